"""`deploylint scan --verify` with tiny local models on CPU (built at test time, no hub).

testdata/verify/repo is a deployment repository whose model directories are built into a copy of
it by tests/verify_models.py; every finding there has a probe, and the probes run with the real
transformers/peft stack. Outcomes are compared within one run, never with pinned tokens.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import TESTDATA
from .helpers import chdir

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")

MAX_NEW = "12"


@pytest.fixture(scope="session")
def verify_repo(tmp_path_factory) -> Path:
    from .verify_models import build

    repo = tmp_path_factory.mktemp("verify") / "repo"
    shutil.copytree(TESTDATA / "verify" / "repo", repo)
    (repo / ".git").mkdir()  # one project (weak links stay inside it)
    build(repo / "models")
    return repo


def _run(repo: Path, *args: str, capsys) -> tuple[int, str, str]:
    from deploylint.cli import main

    with chdir(repo):
        code = main(["scan", ".", "--no-cache", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="session")
def verified(verify_repo, tmp_path_factory) -> dict:
    """One `scan --verify --format json` of the repository (shared by the tests below)."""
    from deploylint.cli import main

    out = tmp_path_factory.mktemp("out") / "report.json"
    with chdir(verify_repo):
        code = main(
            ["scan", ".", "--no-cache", "--verify", "--format", "json", "-o", str(out)]
            + ["--max-new-tokens", MAX_NEW]
        )
    doc = json.loads(out.read_text())
    doc["exit_code"] = code
    return doc


def _by(doc: dict, path: str, code: str) -> dict:
    hits = [f for f in doc["findings"] if f["path"] == path and f["code"] == code]
    assert len(hits) == 1, [(f["path"], f["code"]) for f in doc["findings"]]
    return hits[0]


def test_every_finding_with_a_probe_gets_a_verdict_with_evidence(verified):
    from deploylint.verify.probes import PROBES

    assert verified["exit_code"] == 1
    codes = {f["code"] for f in verified["findings"]}
    assert {"DPL101", "DPL102", "DPL103", "DPL201", "DPL202", "DPL203"} <= codes
    assert {"DPL301", "DPL302", "DPL303", "DPL304", "DPL401"} <= codes
    for f in verified["findings"]:
        v = f["verification"]
        assert set(v) == {"status", "backend", "device", "seconds", "reason", "evidence"}
        assert v["status"] in ("confirmed", "not-confirmed", "skipped"), v
        assert v["reason"]
        if f["code"] in PROBES:
            assert v["evidence"], (f["path"], f["code"], v)
            assert v["backend"] in ("transformers", "safetensors header"), v
    s = verified["summary"]["verification"]
    assert s["confirmed"] + s["not_confirmed"] + s["skipped"] == len(verified["findings"])


@pytest.mark.parametrize(
    "path,code",
    [
        ("docker-compose.yml", "DPL101"),  # engine default system prompt vs the training one
        ("deploy/template.sh", "DPL102"),  # --chat-template vs the model's own
        ("app/notemplate_client.py", "DPL103"),  # no template: transformers refuses
        ("app/client.py", "DPL201"),  # base model: no end of turn
        ("deploy/eos.sh", "DPL203"),  # wired: <|im_end|> then a new user turn
        ("deploy/adapter-as-model.sh", "DPL301"),  # an adapter directory is no model
        ("deploy/lmdeploy.sh", "DPL301"),  # the dropped adapter changes the answer
        ("deploy/lora-other-base.sh", "DPL302"),  # shape mismatch on the other base
        ("deploy/lora-rank.sh", "DPL303"),  # the weights' rank is 64
        ("deploy/tokenizer.sh", "DPL401"),  # other ids, other eos
        ("models/vocab-overflow/config.json", "DPL401"),  # ids past vocab_size
    ],
)
def test_confirmed(verified, path, code):
    v = _by(verified, path, code)["verification"]
    assert v["status"] == "confirmed", v


def test_prompt_probes_show_both_prompts_outputs_and_where_they_part(verified):
    v = _by(verified, "docker-compose.yml", "DPL101")["verification"]
    ev = v["evidence"]
    assert "You are Qwen, created by Alibaba Cloud" in ev["prompt_engine"]
    assert "You are Qwen" not in ev["prompt_reference"]
    assert ev["output_engine"] != ev["output_reference"]
    part = ev["first_differing_token"]
    assert part["engine"]["id"] != part["reference"]["id"], part


def test_stop_probe_uses_token_ids_and_runs_past_the_end_of_turn(verified):
    ev = _by(verified, "deploy/eos.sh", "DPL203")["verification"]["evidence"]
    eot = ev["end_of_turn_id"]
    assert eot not in ev["stop_token_ids"]
    ids = ev["output_ids"]
    assert eot in ids and ids.index(eot) < len(ids) - 1
    assert "<|im_start|>user" in ev["output"]  # the invented turn


def test_prompt_tuning_is_measured_with_the_installed_versions(verified):
    """With the stack the finding is about (a legacy environment: `pip install torch==2.13.0
    transformers==4.44.2 peft==0.12.0 pytest pyyaml jinja2 && pip install --no-deps -e .`) the
    probe reproduces the bug: the cached output equals the base model's."""
    import peft

    v = _by(verified, "infer/prompt_tuning.py", "DPL304")["verification"]
    ev = v["evidence"]
    assert ev["installed"]["peft"] == peft.__version__
    assert ev["finding_peft_version"] == "0.12.0"
    assert {"output_cache_on", "output_cache_off", "output_base"} <= set(ev)
    if peft.__version__ != "0.12.0":
        assert v["status"] == "skipped" and "install the pinned versions" in v["reason"]
    else:  # the legacy stack (peft 0.12.0 + transformers 4.44.2) shows the bug itself
        assert v["status"] == "confirmed"


def test_verdicts_are_deterministic(verify_repo, verified, tmp_path):
    """A == A: the same probes give the same evidence in a second run."""
    from deploylint.cli import main

    out = tmp_path / "again.json"
    with chdir(verify_repo):
        main(
            ["scan", ".", "--no-cache", "--verify", "--format", "json", "-o", str(out)]
            + ["--max-new-tokens", MAX_NEW, "--select", "DPL101,DPL203"]
        )
    again = json.loads(out.read_text())
    for f in again["findings"]:
        first = _by(verified, f["path"], f["code"])["verification"]
        assert f["verification"]["evidence"] == first["evidence"]
        assert f["verification"]["status"] == first["status"]


def _near_miss_repo(verify_repo: Path, tmp_path: Path) -> Path:
    """A base-named deployment whose checkpoint really answers and ends its turn."""
    repo = tmp_path / "near"
    (repo / ".git").mkdir(parents=True)
    shutil.copytree(verify_repo / "models" / "qwen25-wired-stops", repo / "models/Qwen2.5-0.5B")
    (repo / "serve.sh").write_text("#!/bin/sh\nvllm serve ./models/Qwen2.5-0.5B --port 8000\n")
    (repo / "client.py").write_text(
        "from openai import OpenAI\n\n"
        'client = OpenAI(base_url="http://localhost:8000/v1", api_key="EMPTY")\n'
        "reply = client.chat.completions.create(\n"
        '    model="./models/Qwen2.5-0.5B",\n'
        '    messages=[{"role": "user", "content": "What is the capital of France?"}],\n'
        ")\n"
    )
    return repo


def test_chat_probe_near_miss_is_not_confirmed_and_can_be_dropped(verify_repo, tmp_path, capsys):
    repo = _near_miss_repo(verify_repo, tmp_path)
    code, out, _ = _run(
        repo, "--verify", "--select", "DPL201", "--max-new-tokens", MAX_NEW, capsys=capsys
    )
    assert code == 1
    assert "DPL201" in out
    assert "= verify: not-confirmed" in out and "ended its turn" in out
    assert "Verified 1 finding: 0 confirmed, 1 not confirmed, 0 skipped" in out
    code, out, _ = _run(
        repo,
        "--verify",
        "--select",
        "DPL201",
        "--max-new-tokens",
        MAX_NEW,
        "--verify-drop-unconfirmed",
        capsys=capsys,
    )
    assert code == 0
    assert "No findings" in out and "1 not-confirmed finding(s) dropped" in out


def test_model_not_available_locally_is_skipped_with_the_reason(capsys):
    code, out, _ = _run(
        TESTDATA / "examples" / "chat-stack",
        "--verify",
        "--format",
        "json",
        capsys=capsys,
    )
    doc = json.loads(out)
    lmdeploy = [
        f for f in doc["findings"] if f["code"] == "DPL301" and "--adapters" in f["message"]
    ]
    v = lmdeploy[0]["verification"]
    assert v["status"] == "skipped"
    assert "not available locally" in v["reason"] and "--allow-download" in v["reason"]


def test_verify_command_is_scan_verify(verify_repo, capsys):
    from deploylint.cli import main

    with chdir(verify_repo):
        code = main(["verify", ".", "--no-cache", "--select", "DPL303", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    (f,) = doc["findings"]
    assert f["verification"]["status"] == "confirmed"
    assert f["verification"]["evidence"]["weight_rank"] == 64
    assert f["verification"]["backend"] == "safetensors header"


def test_probe_timeout_is_a_skip(verify_repo, capsys):
    code, out, _ = _run(
        verify_repo,
        "--verify",
        "--select",
        "DPL203",
        "--verify-timeout",
        "0.001",
        "--format",
        "json",
        capsys=capsys,
    )
    for f in json.loads(out)["findings"]:
        v = f["verification"]
        assert v["status"] == "skipped" and "timed out after 0.001 s" in v["reason"], v
