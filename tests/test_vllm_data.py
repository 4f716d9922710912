"""vLLM command-line data per release (deploylint/engines/vllm_data.py, data/vllm_cli.json)."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import sys
import tarfile
from pathlib import Path

import pytest

from deploylint.engines import vllm_data
from deploylint.engines.cli import OptionTable, Token, parse_args
from deploylint.location import Loc
from deploylint.versions import V

ROOT = Path(__file__).resolve().parent.parent

# The brief's representative releases plus later ones; all must be snapshots in the data.
SAMPLE = [
    "0.4.3", "0.5.5", "0.6.0", "0.6.3.post1", "0.6.6", "0.7.3", "0.8.0", "0.8.5", "0.9.2",
    "0.10.0", "0.10.2", "0.11.0", "0.12.0", "0.14.0", "0.17.0", "0.20.0", "0.23.0", "0.26.0",
    "0.29.0", "0.33.0",
]  # fmt: skip


def spec(name: str, version: str | None):
    for s in vllm_data.option_specs(version):
        if s.name == name or name in s.aliases:
            return s
    return None


def tokens(line: str) -> list[Token]:
    out, col = [], 1
    for word in line.split(" "):
        out.append(Token(word, Loc(Path("serve.sh"), 1, col, 1, col + len(word))))
        col += len(word) + 1
    return out


# ---- data coverage ---------------------------------------------------------------------------


def test_snapshots_cover_the_representative_releases_and_the_newest_on_pypi():
    known = vllm_data.known_versions()
    assert known == sorted(known, key=V)
    assert set(SAMPLE) <= set(known)
    releases = json.loads((ROOT / "deploylint" / "data" / "releases.json").read_text())
    newest = max(releases["releases"]["vllm"], key=V)
    assert known[-1] == newest, "vllm_cli.json is stale: run scripts/snapshot_vllm_cli.py"


def test_every_snapshot_names_its_distribution_file_and_hash():
    data = json.loads((ROOT / "deploylint" / "data" / "vllm_cli.json").read_text())
    assert data["_generated_by"] == "scripts/snapshot_vllm_cli.py"
    assert [s["version"] for s in data["_source"]] == data["versions"]
    for s in data["_source"]:
        assert re.fullmatch(r"[0-9a-f]{64}", s["sha256"])
        assert s["file"].startswith(f"vllm-{s['version']}")
        assert s["kind"] == ("sdist" if s["file"].endswith(".tar.gz") else "wheel")


def test_option_entries_have_valid_arity_and_ranges():
    data = json.loads((ROOT / "deploylint" / "data" / "vllm_cli.json").read_text())
    for o in data["options"]:
        assert o["arity"] in ("value", "flag", "multi", "optional"), o
        assert o["until"] is None or V(o["since"]) < V(o["until"]), o
    # No two entries of one option overlap.
    by_name: dict[str, list[dict]] = {}
    for o in data["options"]:
        by_name.setdefault(o["name"], []).append(o)
    for name, entries in by_name.items():
        for a, b in zip(entries, entries[1:], strict=False):
            assert a["until"] is not None and V(a["until"]) <= V(b["since"]), name


# ---- option arity and aliases ----------------------------------------------------------------


@pytest.mark.parametrize("version", SAMPLE)
def test_enable_lora_is_a_flag_in_every_version(version):
    s = spec("--enable-lora", version)
    assert s is not None and s.arity == "flag"


@pytest.mark.parametrize("version", SAMPLE)
@pytest.mark.parametrize("name", ["--served-model-name", "--lora-modules"])
def test_multi_value_options(version, name):
    s = spec(name, version)
    assert s is not None and s.arity == "multi"


@pytest.mark.parametrize("version", SAMPLE)
def test_tp_is_an_alias_of_tensor_parallel_size(version):
    s = spec("-tp", version)
    assert s is not None and s.name == "--tensor-parallel-size" and s.arity == "value"


def test_boolean_flags_become_negatable_when_vllm_moves_to_boolean_optional_action():
    assert not spec("--enable-lora", "0.8.4").negatable  # action="store_true"
    assert spec("--enable-lora", "0.8.5").negatable  # argparse.BooleanOptionalAction
    assert spec("--trust-remote-code", "0.9.0").negatable  # ModelConfig bool -> get_kwargs
    assert spec("--enforce-eager", "0.33.0").negatable


def test_store_boolean_options_take_an_optional_value():
    # 0.5.3 .. 0.8.4: --enable-chunked-prefill used StoreBoolean with nargs="?".
    assert spec("--enable-chunked-prefill", "0.6.0").arity == "optional"
    assert spec("--enable-chunked-prefill", "0.4.3").arity == "flag"
    assert spec("--enable-chunked-prefill", "0.11.1").arity == "flag"


def test_quantization_short_alias_and_choices():
    assert spec("-q", "0.6.0").name == "--quantization"
    info = vllm_data.option_info("--quantization", "0.6.0")
    assert info is not None and {"awq", "gptq", "fp8"} <= set(info["choices"])


def test_dtype_choices():
    info = vllm_data.option_info("--dtype", "0.6.0")
    assert info is not None and info["default"] == "auto"
    assert set(info["choices"]) == {"auto", "half", "float16", "bfloat16", "float", "float32"}


def test_option_info_accepts_underscores_and_aliases():
    assert vllm_data.option_info("--max_lora_rank", "0.9.2")["name"] == "--max-lora-rank"
    assert vllm_data.option_info("-tp", "0.9.2")["name"] == "--tensor-parallel-size"
    assert vllm_data.option_info("--no-such-flag", "0.9.2") is None


# ---- LoRA ------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", SAMPLE)
def test_max_lora_rank_default_is_16(version):
    assert vllm_data.fact("max_lora_rank_default", version)[0] == 16
    assert vllm_data.option_info("--max-lora-rank", version)["default"] == 16


def test_max_lora_rank_allowed_values_by_release():
    allowed = lambda v: vllm_data.fact("max_lora_rank_allowed", v)[0]  # noqa: E731
    assert allowed("0.4.3") == [8, 16, 32, 64]
    assert allowed("0.5.5") == [8, 16, 32, 64, 128, 256]
    # domain.md §1.1 "older releases": 8 .. 512 (LoRAConfig.__post_init__ check)
    assert allowed("0.8.0") == [8, 16, 32, 64, 128, 256, 320, 512]
    assert allowed("0.11.0") == [8, 16, 32, 64, 128, 256, 320, 512]
    # domain.md §1.1 recent: Literal 1, 8, ..., 512, enforced by argparse choices.
    assert allowed("0.11.1") == [1, 8, 16, 32, 64, 128, 256, 320, 512]
    assert allowed(None) == [1, 8, 16, 32, 64, 128, 256, 320, 512]
    assert vllm_data.option_info("--max-lora-rank", "0.33.0")["choices"] == allowed("0.33.0")
    assert vllm_data.option_info("--max-lora-rank", "0.11.0").get("choices") is None


def test_max_loras_default():
    for v in SAMPLE:
        assert vllm_data.option_info("--max-loras", v)["default"] == 1


# ---- generation config, default model, docker ------------------------------------------------


def test_generation_config_exists_from_066_and_defaults_to_auto_from_080():
    assert vllm_data.option_info("--generation-config", "0.6.5") is None
    assert vllm_data.fact("has_generation_config", "0.6.5")[0] is False
    assert vllm_data.option_info("--generation-config", "0.6.6")["default"] is None
    assert vllm_data.fact("generation_config_default", "0.7.3")[0] is None
    assert vllm_data.fact("generation_config_default", "0.8.0")[0] == "auto"
    assert vllm_data.option_info("--generation-config", "0.33.0")["default"] == "auto"


def test_default_model_switches_to_qwen3_in_0_10_0():
    assert vllm_data.fact("default_model", "0.4.3")[0] == "facebook/opt-125m"
    assert vllm_data.fact("default_model", "0.9.2")[0] == "facebook/opt-125m"
    assert vllm_data.fact("default_model", "0.10.0")[0] == "Qwen/Qwen3-0.6B"
    assert vllm_data.fact("default_model", None)[0] == "Qwen/Qwen3-0.6B"
    assert vllm_data.option_info("--model", "0.9.2")["default"] == "facebook/opt-125m"


def test_fact_source_names_the_release_and_file():
    value, source = vllm_data.fact("default_model", "0.6.0")
    assert value == "facebook/opt-125m"
    assert source == "vllm 0.6.0 sdist vllm/engine/arg_utils.py EngineArgs.model"
    value, source = vllm_data.fact("default_model", "0.26.0")
    assert source == "vllm 0.26.0 sdist vllm/config/model.py ModelConfig.model"


def test_docker_entrypoint_switches_to_vllm_serve_in_0_11_1():
    module = ["python3", "-m", "vllm.entrypoints.openai.api_server"]
    assert vllm_data.fact("dockerfile_entrypoint", "0.6.3.post1")[0] == module
    assert vllm_data.fact("dockerfile_entrypoint", "0.11.0")[0] == module
    assert vllm_data.fact("dockerfile_entrypoint", "0.11.1")[0] == ["vllm", "serve"]
    assert vllm_data.fact("dockerfile_entrypoint", "0.26.0")[0] == ["vllm", "serve"]
    # Releases whose sdist lacks the Dockerfile say so in the source.
    assert "hand-encoded" in vllm_data.fact("dockerfile_entrypoint", "0.5.5")[1]
    assert "docker/Dockerfile" in vllm_data.fact("dockerfile_entrypoint", "0.11.1")[1]


def test_vllm_serve_exists_from_0_5_2():
    assert vllm_data.fact("has_vllm_serve", "0.4.3")[0] is False
    assert vllm_data.fact("has_vllm_serve", "0.5.2")[0] is True
    # model_tag: required positional until 0.8.2, optional (nargs="?") from 0.8.3.
    assert vllm_data.fact("serve_model_positional", "0.8.2")[0] == "1"
    assert vllm_data.fact("serve_model_positional", "0.8.3")[0] == "?"


def test_api_server_module_form_positional_model():
    assert vllm_data.fact("api_server_positional_model", "0.9.2")[0] is None  # argparse error
    assert vllm_data.fact("api_server_positional_model", "0.10.0")[0] == "ignored"


# ---- prompt adapters, multimodal limits ------------------------------------------------------


def test_prompt_adapter_flags_disappear_at_0_10_0():
    flags = ["--enable-prompt-adapter", "--prompt-adapters", "--max-prompt-adapters"]
    for v in ("0.5.5", "0.9.2"):
        assert all(spec(f, v) is not None for f in flags), v
    assert vllm_data.fact("prompt_adapter_functional", "0.9.2")[0] is True
    assert spec("--prompt-adapters", "0.10.0") is None
    assert spec("--max-prompt-adapters", "0.10.0") is None
    # --enable-prompt-adapter stays as a deprecated no-op in 0.10.0 and 0.10.1.x.
    info = vllm_data.option_info("--enable-prompt-adapter", "0.10.1.1")
    assert info is not None and info.get("deprecated") is True
    assert vllm_data.fact("prompt_adapter_functional", "0.10.0")[0] is False
    assert spec("--enable-prompt-adapter", "0.10.2") is None
    assert spec("--prompt-adapters", "0.5.1") is None


def test_limit_mm_per_prompt_format():
    assert vllm_data.fact("limit_mm_per_prompt_format", "0.5.4")[0] is None
    assert vllm_data.fact("limit_mm_per_prompt_format", "0.6.0")[0] == "key=value"
    assert vllm_data.fact("limit_mm_per_prompt_format", "0.9.2")[0] == "json|key=value"
    assert vllm_data.fact("limit_mm_per_prompt_format", "0.10.0")[0] == "json"


# ---- parser behaviours and parsing -----------------------------------------------------------


def test_parser_behaviours_by_release():
    f = lambda n, v: vllm_data.fact(n, v)[0]  # noqa: E731
    assert f("parser_underscores", "0.5.0") is False  # plain argparse.ArgumentParser
    assert f("parser_underscores", "0.5.1") is True  # FlexibleArgumentParser
    assert f("parser_dotted_json", "0.8.5") is False
    assert f("parser_dotted_json", "0.9.0") is True
    assert f("parser_optimization_level_shorthand", "0.6.5") is True
    assert f("parser_serve_model_option_moved", "0.17.0") is True
    assert f("parser_allow_abbrev", "0.33.0") is True


@pytest.mark.parametrize("version", ["0.5.5", "0.6.0", "0.8.5", "0.9.2", "0.11.0", "0.33.0"])
def test_trust_remote_code_does_not_swallow_the_positional_model(version):
    line = "--trust-remote-code Qwen/Qwen2.5-7B --max-model-len 4096"
    parsed = parse_args(tokens(line), OptionTable(vllm_data.option_specs(version)))
    assert [t.text for t in parsed.positionals] == ["Qwen/Qwen2.5-7B"]
    assert parsed.positionals[0].loc.col == len("--trust-remote-code") + 2
    assert parsed.flag("trust_remote_code") is True
    assert parsed.value("max_model_len") == "4096"
    assert parsed.unknown == []


def test_unknown_flags_are_reported_per_version():
    line = "Qwen/Qwen2.5-7B --generation-config vllm"
    old = parse_args(tokens(line), OptionTable(vllm_data.option_specs("0.6.5")))
    new = parse_args(tokens(line), OptionTable(vllm_data.option_specs("0.6.6")))
    assert [o.flag.text for o in old.unknown] == ["--generation-config"]
    assert new.unknown == [] and new.value("generation_config") == "vllm"


def test_option_table_follows_underscore_support():
    line = "--max_model_len 4096"
    assert parse_args(tokens(line), vllm_data.option_table("0.4.3")).unknown
    assert not parse_args(tokens(line), vllm_data.option_table("0.8.5")).unknown


def test_enable_disable_pairs_from_0_33_0():
    assert vllm_data.inverse_flags("0.32.0") == {}
    inv = vllm_data.inverse_flags("0.33.0")
    assert inv["--disable-lora"] == "--enable-lora"
    parsed = parse_args(tokens("--disable-lora"), OptionTable(vllm_data.option_specs("0.33.0")))
    assert parsed.unknown == []
    parsed = parse_args(tokens("--disable-lora"), OptionTable(vllm_data.option_specs("0.32.0")))
    assert [o.flag.text for o in parsed.unknown] == ["--disable-lora"]


def test_api_server_form_lacks_serve_only_options():
    names = lambda form: {s.name for s in vllm_data.option_specs("0.7.3", form)}  # noqa: E731
    assert "--config" in names("serve")
    assert "--config" not in names("api_server")
    with pytest.raises(ValueError):
        vllm_data.option_specs("0.7.3", "docker")


# ---- version lookup --------------------------------------------------------------------------


def test_version_lookup_picks_newest_snapshot_at_or_below():
    newest = vllm_data.known_versions()[-1]
    assert vllm_data.snapshot_for(None) == newest
    assert vllm_data.snapshot_for("latest") == newest
    assert vllm_data.snapshot_for("99.0") == newest
    assert vllm_data.snapshot_for("v0.11.0") == "0.11.0"
    assert vllm_data.snapshot_for("0.9.0rc1") == "0.8.5.post1"
    assert vllm_data.snapshot_for("0.6.3.post1") == "0.6.3.post1"
    assert vllm_data.snapshot_for("0.1.0") == vllm_data.known_versions()[0]
    with pytest.raises(ValueError):
        vllm_data.snapshot_for("not-a-version")
    with pytest.raises(KeyError):
        vllm_data.fact("no_such_fact", None)


def test_fact_values_are_copies():
    v, _ = vllm_data.fact("max_lora_rank_allowed", None)
    v.append(4096)
    assert 4096 not in vllm_data.fact("max_lora_rank_allowed", None)[0]


# ---- the snapshot script on a synthetic sdist (no network, nothing executed) ----------------


def _load_script():
    path = ROOT / "scripts" / "snapshot_vllm_cli.py"
    spec_ = importlib.util.spec_from_file_location("snapshot_vllm_cli", path)
    assert spec_ and spec_.loader
    mod = importlib.util.module_from_spec(spec_)
    sys.modules["snapshot_vllm_cli"] = mod
    spec_.loader.exec_module(mod)
    return mod


FAKE = {
    "pyproject.toml": '[project.scripts]\nvllm = "vllm.entrypoints.cli.main:main"\n',
    "docker/Dockerfile": (
        "FROM base AS vllm-base\nRUN true\n"
        'FROM vllm-base AS vllm-openai\nENTRYPOINT ["vllm", "serve"]\n'
        'FROM vllm-base AS vllm-sagemaker\nENTRYPOINT ["./sagemaker-entrypoint.sh"]\n'
    ),
    "vllm/__init__.py": "",
    "vllm/utils.py": (
        "import argparse\n"
        "class FlexibleArgumentParser(argparse.ArgumentParser):\n"
        "    def parse_args(self, args=None, namespace=None):\n"
        "        args = [a.replace('_', '-') if a.startswith('--') else a for a in args]\n"
        "        return super().parse_args(args, namespace)\n"
    ),
    "vllm/config.py": (
        "from dataclasses import dataclass, field\n"
        "from typing import Literal, Optional\n"
        "Ranks = Literal[8, 16, 32]\n"
        "DType = Literal['auto', 'half']\n"
        "@dataclass\n"
        "class ModelConfig:\n"
        "    model: str = 'org/default-model'\n"
        "    dtype: DType = 'auto'\n"
        "    trust_remote_code: bool = False\n"
        "    served_model_name: Optional[list[str]] = None\n"
        "    hf_token: bool | str | None = None\n"
        "    max_model_len: Optional[int] = None\n"
        "    generation_config: str = 'auto'\n"
        "@dataclass\n"
        "class LoRAConfig:\n"
        "    max_lora_rank: Ranks = 16\n"
        "    max_loras: int = field(default=1)\n"
    ),
    "vllm/engine/__init__.py": "",
    "vllm/engine/arg_utils.py": (
        "import argparse\n"
        "from dataclasses import fields\n"
        "from typing import Literal, Union, get_args, get_origin\n"
        "from vllm.config import LoRAConfig, ModelConfig\n"
        "def contains_type(type_hints, type):\n"
        "    return any(th is type or get_origin(th) is type for th in type_hints)\n"
        "def is_not_builtin(th):\n"
        "    return th.__module__ != 'builtins'\n"
        "def get_kwargs(cls):\n"
        "    kwargs = {}\n"
        "    for field in fields(cls):\n"
        "        name = field.name\n"
        "        kwargs[name] = {'default': field.default}\n"
        "        type_hints = set(get_args(field.type)) or {field.type}\n"
        "        if type_hints == {bool, str, type(None)}:\n"
        "            kwargs[name]['nargs'] = '?'\n"
        "        elif contains_type(type_hints, bool):\n"
        "            kwargs[name]['action'] = argparse.BooleanOptionalAction\n"
        "        elif contains_type(type_hints, Literal):\n"
        "            kwargs[name]['choices'] = sorted(get_args(field.type))\n"
        "        elif contains_type(type_hints, list):\n"
        "            kwargs[name]['nargs'] = '+'\n"
        "        elif contains_type(type_hints, int):\n"
        "            kwargs[name]['type'] = int\n"
        "        elif contains_type(type_hints, str) or any(\n"
        "                is_not_builtin(th) for th in type_hints):\n"
        "            kwargs[name]['type'] = str\n"
        "    return kwargs\n"
        "class EngineArgs:\n"
        "    @staticmethod\n"
        "    def add_cli_args(parser):\n"
        "        model_kwargs = get_kwargs(ModelConfig)\n"
        "        group = parser.add_argument_group(title='ModelConfig')\n"
        "        for name in ('model', 'dtype', 'trust_remote_code', 'served_model_name',\n"
        "                     'hf_token', 'max_model_len', 'generation_config'):\n"
        "            group.add_argument('--' + name.replace('_', '-'), **model_kwargs[name])\n"
        "        parser.add_argument('--tensor-parallel-size', '-tp', type=int, default=1)\n"
        "        lora_kwargs = get_kwargs(LoRAConfig)\n"
        "        parser.add_argument('--enable-lora', action='store_true')\n"
        "        parser.add_argument('--max-lora-rank', **lora_kwargs['max_lora_rank'])\n"
        "        parser.add_argument('--max-loras', **lora_kwargs['max_loras'])\n"
        "        return parser\n"
    ),
    "vllm/entrypoints/__init__.py": "",
    "vllm/entrypoints/openai/__init__.py": "",
    "vllm/entrypoints/openai/cli_args.py": (
        "from vllm.engine.arg_utils import EngineArgs\n"
        "def make_arg_parser(parser):\n"
        "    parser.add_argument('--port', type=int, default=8000)\n"
        "    parser.add_argument('--lora-modules', nargs='+', default=None)\n"
        "    return EngineArgs.add_cli_args(parser)\n"
    ),
    "vllm/entrypoints/openai/api_server.py": (
        "from vllm.entrypoints.openai.cli_args import make_arg_parser\n"
        "from vllm.utils import FlexibleArgumentParser\n"
        "if __name__ == '__main__':\n"
        "    parser = make_arg_parser(FlexibleArgumentParser())\n"
        "    args = parser.parse_args()\n"
    ),
    "vllm/entrypoints/cli/__init__.py": "",
    "vllm/entrypoints/cli/main.py": (
        "from vllm.utils import FlexibleArgumentParser\n"
        "def main():\n"
        "    parser = FlexibleArgumentParser()\n"
    ),
    "vllm/entrypoints/cli/serve.py": (
        "from vllm.entrypoints.openai.cli_args import make_arg_parser\n"
        "class ServeSubcommand:\n"
        "    def subparser_init(self, subparsers):\n"
        "        serve_parser = subparsers.add_parser('serve')\n"
        "        serve_parser.add_argument('model_tag', nargs='?')\n"
        "        serve_parser.add_argument('--config', type=str, default='')\n"
        "        return make_arg_parser(serve_parser)\n"
    ),
}


def test_script_reads_a_synthetic_sdist_statically(tmp_path):
    script = _load_script()
    path = tmp_path / "vllm-9.9.9.tar.gz"
    with tarfile.open(path, "w:gz") as t:
        for rel, text in FAKE.items():
            data = text.encode()
            info = tarfile.TarInfo(f"vllm-9.9.9/{rel}")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    dist = script.Dist("9.9.9", path, path.name, "0" * 64, "sdist")
    snap = script.snapshot(dist)
    opts = snap.serve
    assert opts is not None
    assert opts["--trust-remote-code"]["arity"] == "flag"
    assert opts["--trust-remote-code"]["negatable"] is True
    assert opts["--enable-lora"]["arity"] == "flag"
    assert opts["--enable-lora"]["negatable"] is False
    assert opts["--served-model-name"]["arity"] == "multi"
    assert opts["--lora-modules"]["arity"] == "multi"
    assert opts["--hf-token"]["arity"] == "optional"
    assert opts["--dtype"]["choices"] == ["auto", "half"]
    assert opts["--max-lora-rank"]["choices"] == [8, 16, 32]
    assert opts["--max-loras"]["default"] == 1
    assert opts["--tensor-parallel-size"]["aliases"] == ["-tp"]
    assert "--config" not in snap.api_server  # only the serve sub-parser declares it
    facts = {k: v[0] for k, v in snap.facts.items()}
    assert facts["default_model"] == "org/default-model"
    assert facts["max_lora_rank_allowed"] == [8, 16, 32]
    assert facts["generation_config_default"] == "auto"
    assert facts["dockerfile_entrypoint"] == ["vllm", "serve"]
    assert facts["has_vllm_serve"] is True
    assert facts["serve_model_positional"] == "?"
    assert facts["parser_underscores"] is True
    assert snap.facts["default_model"][1].endswith("vllm/config.py ModelConfig.model")


def test_short_o_feeds_compilation_config_then_optimization_level():
    assert vllm_data.fact("short_O_option", "0.6.4")[0] is None
    assert spec("-O", "0.6.4") is None
    assert spec("-O", "0.9.2").name == "--compilation-config"
    assert spec("-O", "0.12.0").name == "--optimization-level"
    parsed = parse_args(tokens("Qwen/Qwen3-8B -O 3"), vllm_data.option_table("0.20.0"))
    assert parsed.value("optimization_level") == "3" and parsed.unknown == []
