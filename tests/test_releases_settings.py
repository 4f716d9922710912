"""Releases and settings (DPL504, DPL505) and offline generation (DPL206, DPL104): the data per
release, the engine answers built on it, and the Python facts the rules read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploylint.engines import architectures as A
from deploylint.engines import settings as S
from deploylint.engines import vllm_data
from deploylint.engines.base import ArchSupport, ModelArch, NotApplicable
from deploylint.engines.cli import Token, parse_args
from deploylint.engines.registry import engine_for
from deploylint.facts import EngineVersion, Launch
from deploylint.location import Loc, SourceFile
from deploylint.sources import FileFacts
from deploylint.sources.python import parse as parse_python
from deploylint.versions import V

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "deploylint" / "data"


# ---- data coverage ---------------------------------------------------------------------------


def test_architecture_data_follows_the_release_lists():
    data = json.loads((DATA / "architectures.json").read_text())
    releases = json.loads((DATA / "releases.json").read_text())["releases"]
    assert data["_generated_by"] == "scripts/snapshot_architectures.py"
    vllm_versions = json.loads((DATA / "vllm_cli.json").read_text())["versions"]
    assert data["vllm"]["versions"] == vllm_versions
    for table, package in (
        ("transformers", "transformers"),
        ("sglang", "sglang"),
        ("lmdeploy_pytorch", "lmdeploy"),
        ("lmdeploy_turbomind", "lmdeploy"),
    ):
        t = data[table]
        assert set(t["versions"]) <= set(releases[package]), table
        assert t["versions"] == sorted(t["versions"], key=V)
        assert t["versions"][-1] == max(
            (r for r in releases[package] if not V(r).is_prerelease), key=V
        ), f"{table} is stale: run scripts/snapshot_architectures.py"
        assert all(s["file"] and s["uploaded"] for s in t["sources"]), table


@pytest.mark.parametrize(
    "table,name,first",
    [
        ("transformers", "qwen3", "4.51.0"),
        ("transformers", "qwen2_5_vl", "4.49.0"),
        ("transformers", "gemma3", "4.50.0"),
        ("transformers", "llama4", "4.51.0"),
        ("vllm", "Qwen3ForCausalLM", "0.8.4"),
        ("vllm", "Qwen2_5_VLForConditionalGeneration", "0.7.2"),
        ("sglang", "Qwen3ForCausalLM", "0.4.5.post2"),
        ("lmdeploy_turbomind", "Qwen3ForCausalLM", "0.7.3"),
    ],
)
def test_first_release_that_knows_an_architecture(table, name, first):
    before = A.known(table, name, A.first_release(table))
    assert before is not None and before.known is False and before.since == first
    at = A.known(table, name, first)
    assert at is not None and at.known is True


def test_versions_older_than_the_data_are_not_described():
    # llama is older than transformers 4.30.0, the first release read: nothing is claimed
    k = A.known("transformers", "llama", "4.20.0")
    assert k is not None and k.known is None
    # qwen3 first appears after 4.30.0, so 4.20.0 certainly lacks it
    k = A.known("transformers", "qwen3", "4.20.0")
    assert k is not None and k.known is False and k.since == "4.51.0"
    assert A.known("transformers", "no_such_model_type", "4.40.0") is None


def test_vllm_environment_variables_per_release():
    assert vllm_data.env_var_status("VLLM_USE_V1", "0.10.0")[0] is True
    assert vllm_data.env_var_status("VLLM_USE_V1", "0.12.0")[0] is False
    assert vllm_data.env_var_status("VLLM_NOT_A_SETTING", "0.12.0") == (None, [])
    assert "VLLM_API_KEY" in vllm_data.env_var_names("0.33.0", registry_only=True)
    assert vllm_data.fact("env_unknown_warning", "0.17.0")[0] is True
    assert vllm_data.fact("env_unknown_warning", "0.16.0")[0] is False


def test_vllm_request_defaults_per_release():
    for v in ("0.4.3", "0.10.0", "0.33.0"):
        assert vllm_data.fact("sampling_params_max_tokens_default", v)[0] == 16
        assert vllm_data.fact("completion_request_max_tokens_default", v)[0] == 16
        assert vllm_data.fact("chat_request_max_tokens_default", v)[0] is None
    assert vllm_data.fact("llm_default_sampling_from_model", "0.6.5")[0] is False
    assert vllm_data.fact("llm_default_sampling_from_model", "0.6.6")[0] is True


# ---- helpers ---------------------------------------------------------------------------------


def test_history_of_a_setting():
    ranges = [("0.4.3", "0.10.0")]
    assert S.history(ranges, "0.11.0") == ("removed", "0.10.0")
    assert S.history([("0.13.0", None)], "0.12.0") == ("added", "0.13.0")
    assert S.history([("0.2.0", "0.6.0"), ("0.13.0", None)], "0.9.0") == ("gap", "0.6.0..0.13.0")
    assert S.history(ranges, "0.9.2") is None  # present
    assert S.unique_prefix("--max-model", ["--max-model-len", "--max-num-seqs"]) is True
    assert S.unique_prefix("--max", ["--max-model-len", "--max-num-seqs"]) is None
    assert S.unique_prefix("--device", ["--max-model-len"]) is False


def _launch(engine: str, form: str, words: list[str], version: str | None, pinned=True) -> Launch:
    impl = engine_for(engine)
    assert impl is not None
    loc = Loc(Path("serve.sh"), 1, 1, 1, 2)
    toks = [
        Token(w, Loc(Path("serve.sh"), 1, i * 10 + 1, 1, i * 10 + 2)) for i, w in enumerate(words)
    ]
    args = parse_args(toks, impl.option_table(version, form))
    launch = Launch(engine, form, loc, toks, args, "test", Path("."))
    launch.version = EngineVersion(engine, version, pinned, "test", spec=version)
    return launch


@pytest.mark.parametrize(
    "version,words,reported",
    [
        ("0.11.0", ["--device", "cuda"], True),  # removed in 0.10.0
        ("0.9.2", ["--device", "cuda"], False),
        ("0.33.0", ["--device", "cuda"], True),  # ambiguous: --device-ids, --device-memory-...
        ("0.20.0", ["--disable-log-requests"], True),  # removed in 0.17.0
        ("0.33.0", ["--disable-log-requests"], False),  # --enable-x/--disable-x pairs (0.33)
        ("0.11.0", ["--max-model", "4096"], False),  # an abbreviation argparse accepts
        ("0.11.0", ["--no-enable-prefix-caching"], False),
        ("0.11.0", ["--my-own-flag"], False),  # never a vLLM option: not judged
        ("0.6.0", ["--reasoning-parser", "deepseek_r1"], True),  # added later
    ],
)
def test_vllm_options_not_read(version, words, reported):
    launch = _launch("vllm", "vllm serve", ["vllm", "serve", "m", *words], version)
    launch.args = parse_args(
        launch.tokens[2:], engine_for("vllm").option_table(version, "vllm serve")
    )
    problems = engine_for("vllm").settings_not_read(launch)
    assert not isinstance(problems, NotApplicable)
    assert bool([p for p in problems if p.kind == "option-not-read"]) is reported


def test_vllm_offline_launch_reads_no_options():
    launch = _launch("vllm", "vllm.LLM", ["vllm.LLM", "--device", "cuda"], "0.11.0")
    assert engine_for("vllm").settings_not_read(launch) == []


def test_architecture_support_answers():
    qwen3 = ModelArch(("Qwen3ForCausalLM",), "qwen3", False, "test")
    vllm = engine_for("vllm")
    old = _launch("vllm", "vllm serve", ["vllm", "serve"], "0.6.0")
    ans = vllm.architecture_support(old, qwen3)
    assert isinstance(ans, ArchSupport) and ans.supported is False and ans.first == "0.8.4"
    # 0.8.0 has a Transformers backend: a pip install may still run it
    pip = _launch("vllm", "vllm serve", ["vllm", "serve"], "0.8.0")
    assert vllm.architecture_support(pip, qwen3).supported is None
    # ... but not the 0.8.0 image, published before transformers 4.51.0 knew qwen3
    img = _launch("vllm", "vllm serve", ["vllm", "serve"], "0.8.0")
    img.version_hints = [EngineVersion("vllm", "0.8.0", True, "image tag")]
    assert vllm.architecture_support(img, qwen3).supported is False
    tf = engine_for("transformers")
    lib = _launch("transformers", "from_pretrained", ["x"], "4.40.0")
    assert tf.architecture_support(lib, qwen3).supported is False
    remote = ModelArch(("X",), "x", True, "test")
    assert isinstance(tf.architecture_support(lib, remote), NotApplicable)


# ---- Python facts ----------------------------------------------------------------------------


def _py(tmp_path: Path, text: str) -> FileFacts:
    p = tmp_path / "x.py"
    p.write_text(text)
    ff = FileFacts(p, "python")
    parse_python(SourceFile(p, "python", p.stat().st_size), ff)
    return ff


def test_sampling_params_set_after_construction(tmp_path):
    ff = _py(
        tmp_path,
        "from vllm import LLM, SamplingParams\n"
        "llm = LLM(model='m')\n"
        "sp = SamplingParams(temperature=0.2)\n"
        "sp.max_tokens = 512\n"
        "llm.generate(['hi'], sp)\n",
    )
    (call,) = ff.clients
    assert call.extra["sampling_params"]["max_tokens"].value == 512
    assert call.extra["sampling_params_loc"].line == 3


def test_sampling_params_from_kwargs_are_incomplete(tmp_path):
    ff = _py(
        tmp_path,
        "from vllm import LLM, SamplingParams\n"
        "llm = LLM(model='m')\n"
        "llm.generate(['hi'], SamplingParams(**cfg))\n",
    )
    (call,) = ff.clients
    assert call.extra["sampling_params_complete"] is False


def test_apply_chat_template_on_a_parameter_feeds_generation(tmp_path):
    ff = _py(
        tmp_path,
        "from transformers import AutoTokenizer\n"
        "def reply(model, tokenizer, messages):\n"
        "    ids = tokenizer.apply_chat_template(messages, return_tensors='pt')\n"
        "    return model.generate(ids, max_new_tokens=64)\n",
    )
    (call,) = [c for c in ff.clients if c.api == "transformers"]
    assert call.engine_var == "tokenizer"
    assert call.extra["feeds_generation"].line == 4


def test_unrelated_generate_on_a_parameter_is_not_a_call(tmp_path):
    ff = _py(
        tmp_path,
        "import transformers\ndef run(pipe, x):\n    return pipe.generate(x)\n",
    )
    assert ff.clients == []


def test_template_text_retokenized_is_noted(tmp_path):
    ff = _py(
        tmp_path,
        "from transformers import AutoTokenizer\n"
        "tok = AutoTokenizer.from_pretrained('m')\n"
        "text = tok.apply_chat_template([{'role': 'user', 'content': 'x'}], tokenize=False)\n"
        "ids = tok(text, return_tensors='pt')\n",
    )
    (call,) = ff.clients
    re_tok = call.extra["retokenized"]
    assert re_tok["loc"].line == 4 and re_tok["add_special_tokens"] is None
