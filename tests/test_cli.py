"""The command line: exit codes, formats, selection, configuration, suppression."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, TESTDATA
from .helpers import write_tree

BASE_COMPOSE = TESTDATA / "cases" / "compose-base-webui" / "repo"


def run(args, cwd: Path, env_extra=None, stdin: str | None = None):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.pop("FORCE_COLOR", None)
    env["PYTHONPATH"] = str(ROOT)
    if env_extra:
        env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "deploylint", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_findings_exit_1_and_compiler_style_text():
    p = run(["scan", "."], BASE_COMPOSE)
    assert p.returncode == 1, p.stderr
    first = p.stdout.splitlines()[0]
    assert first.startswith("docker-compose.yml:15:9: DPL201 [error] `Qwen/Qwen2.5-14B` is a base")
    assert " 15 |       - Qwen/Qwen2.5-14B" in p.stdout
    assert "^^^^^^^^^^^^^^^^" in p.stdout
    assert "= fix: serve the instruction-tuned checkpoint `Qwen/Qwen2.5-14B-Instruct`" in p.stdout
    assert p.stdout.rstrip().endswith("Found 1 finding (1 error) in 1 file scanned.")
    assert "\033[" not in p.stdout  # not a terminal: no colour


def test_clean_exit_0(tmp_path):
    write_tree(tmp_path, {"serve.sh": "vllm serve Qwen/Qwen2.5-7B-Instruct\n"})
    p = run(["scan"], tmp_path)
    assert p.returncode == 0
    assert "No findings" in p.stdout


def test_exit_zero_and_usage_errors(tmp_path):
    assert run(["scan", "--exit-zero", "."], BASE_COMPOSE).returncode == 0
    assert run(["scan", "--select", "NOPE99"], BASE_COMPOSE).returncode == 2
    assert run(["scan", "--format", "xml"], BASE_COMPOSE).returncode == 2
    assert run([], BASE_COMPOSE).returncode == 2
    (tmp_path / "pyproject.toml").write_text("[tool.deploylint]\nselct = ['DPL2']\n")
    p = run(["scan", "."], tmp_path)
    assert p.returncode == 2 and "unknown key" in p.stderr
    assert "Traceback" not in p.stderr


def test_color_on_request_and_no_color_env():
    p = run(["scan", "."], BASE_COMPOSE, {"FORCE_COLOR": "1"})
    assert "\033[" in p.stdout
    p = run(["scan", "."], BASE_COMPOSE, {"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\033[" not in p.stdout
    p = run(["scan", "--no-color", "."], BASE_COMPOSE, {"FORCE_COLOR": "1"})
    assert "\033[" not in p.stdout


def test_json_contract_and_determinism():
    a = run(["scan", "--format", "json", "."], BASE_COMPOSE)
    b = run(["scan", "--format", "json", "."], BASE_COMPOSE)
    assert a.stdout == b.stdout  # byte-identical across runs
    doc = json.loads(a.stdout)
    assert set(doc) >= {"version", "findings", "summary"}
    (f,) = doc["findings"]
    assert list(f) == [
        "code",
        "name",
        "severity",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "fix",
        "evidence",
        "fingerprint",
        "autofix",  # the edits that fix it (docs/json-format.md), or null
    ]
    assert (f["code"], f["name"], f["severity"]) == ("DPL201", "base-model-chat-endpoint", "error")
    assert (f["path"], f["line"], f["column"], f["end_line"], f["end_column"]) == (
        "docker-compose.yml",
        15,
        9,
        15,
        25,
    )
    ev = f["evidence"]
    assert ev["engine"] == "vllm" and ev["engine_version"] == "0.6.0"
    assert ev["engine_version_source"] == "image tag vllm/vllm-openai:v0.6.0"
    assert ev["model_kind"] == "base"
    assert ev["chat_use"][0]["location"] == {"path": "docker-compose.yml", "line": 28, "column": 9}
    assert len(f["fingerprint"]) == 16
    assert doc["summary"]["by_code"] == {"DPL201": 1}


def test_directory_finding_has_null_line():
    case = TESTDATA / "cases" / "merged-no-tokenizer" / "repo"
    doc = json.loads(run(["scan", "--format", "json", "."], case).stdout)
    dir_f = [f for f in doc["findings"] if f["line"] is None]
    assert dir_f and dir_f[0]["path"] == "output/merged-llama"
    assert dir_f[0]["column"] is None


def test_paths_are_relative_to_cwd():
    p = run(["scan", "--format", "json", "testdata/cases/compose-base-webui/repo"], ROOT)
    doc = json.loads(p.stdout)
    assert doc["findings"][0]["path"] == "testdata/cases/compose-base-webui/repo/docker-compose.yml"


@pytest.mark.parametrize(
    "flag,expected",
    [
        (["--select", "DPL2"], 1),
        (["--select", "base-model-chat-endpoint"], 1),
        (["--select", "DPL3"], 0),
        (["--ignore", "DPL201"], 0),
        (["--ignore", "DPL2"], 0),
        (["--select", "ALL", "--ignore", "base-model-chat-endpoint"], 0),
        (["--select", "DPL301,DPL201"], 1),
    ],
)
def test_select_and_ignore(flag, expected):
    doc = json.loads(run(["scan", "--format", "json", *flag, "."], BASE_COMPOSE).stdout)
    assert len(doc["findings"]) == expected


def test_config_in_pyproject_and_per_file_ignores(tmp_path):
    write_tree(
        tmp_path,
        {
            "pyproject.toml": "[tool.deploylint]\nlow-temperature = 0.05\n"
            '[tool.deploylint.per-file-ignores]\n"bench/*.sh" = ["DPL201"]\n',
            "serve.sh": "vllm serve Qwen/Qwen2.5-14B --override-generation-config "
            "'{\"temperature\": 0.1}'\n",
            "bench/run.sh": "vllm serve Qwen/Qwen2.5-14B\n",
        },
    )
    doc = json.loads(run(["scan", "--format", "json"], tmp_path).stdout)
    got = sorted((f["path"], f["code"]) for f in doc["findings"])
    # 0.1 is above the configured threshold 0.05: no DPL202; bench/ ignores DPL201.
    assert got == [("serve.sh", "DPL201")]
    assert doc["summary"]["suppressed"] == 1


def test_deploylint_toml_and_engine_version(tmp_path):
    write_tree(
        tmp_path,
        {
            ".deploylint.toml": "select = ['DPL202']\n[engines]\nvllm = \"0.7.3\"\n",
            "models/Qwen2.5-14B/generation_config.json": (
                '{"eos_token_id": 151643, "temperature": 0.1}'
            ),
            "models/Qwen2.5-14B/config.json": '{"model_type": "qwen2", "vocab_size": 152064}',
            "serve.sh": "vllm serve ./models/Qwen2.5-14B\n",
        },
    )
    assert run(["scan"], tmp_path).returncode == 0  # 0.7.3 does not apply generation_config.json
    (tmp_path / ".deploylint.toml").write_text("select = ['DPL202']\n[engines]\nvllm = \"0.8.0\"\n")
    p = run(["scan", "--format", "json"], tmp_path)
    doc = json.loads(p.stdout)
    assert [f["code"] for f in doc["findings"]] == ["DPL202"]
    assert "[tool.deploylint.engines]" in doc["findings"][0]["evidence"]["engine_version_source"]


def test_model_alias_config(tmp_path):
    write_tree(
        tmp_path,
        {
            ".deploylint.toml": '[models]\n"/mnt/models" = "Qwen/Qwen2.5-14B"\n',
            "serve.sh": "vllm serve /mnt/models --chat-template /tpl/chatml.jinja\n",
        },
    )
    doc = json.loads(run(["scan", "--format", "json"], tmp_path).stdout)
    assert [(f["code"], f["severity"]) for f in doc["findings"]] == [("DPL201", "error")]


@pytest.mark.parametrize(
    "text,suppressed",
    [
        ("# deploylint: ignore[DPL201] eval server\nvllm serve Qwen/Qwen2.5-14B\n", True),
        ("vllm serve Qwen/Qwen2.5-14B  # deploylint: ignore[DPL201] eval server\n", True),
        (
            "# deploylint: ignore[DPL2] sampling and base checks off here\n"
            "vllm serve Qwen/Qwen2.5-14B\n",
            True,
        ),
        ("# deploylint: ignore[DPL301] wrong code\nvllm serve Qwen/Qwen2.5-14B\n", False),
        ("# deploylint: ignore[DPL201] too far away\n\nvllm serve Qwen/Qwen2.5-14B\n", False),
    ],
)
def test_inline_suppression(tmp_path, text, suppressed):
    write_tree(tmp_path, {"serve.sh": text})
    doc = json.loads(run(["scan", "--format", "json"], tmp_path).stdout)
    assert (len(doc["findings"]) == 0) == suppressed
    assert doc["summary"]["suppressed"] == (1 if suppressed else 0)


def test_inline_suppression_in_yaml_and_dockerfile(tmp_path):
    write_tree(
        tmp_path,
        {
            "compose.yaml": "services:\n  a:\n    image: vllm/vllm-openai:v0.8.5\n"
            "    # deploylint: ignore[DPL201] completion-only\n"
            '    command: ["--model", "Qwen/Qwen2.5-14B"]\n',
            "Dockerfile": "FROM vllm/vllm-openai:v0.8.5\n"
            "# deploylint: ignore[base-model-chat-endpoint] completion-only\n"
            'CMD ["--model", "Qwen/Qwen2.5-14B"]\n',
        },
    )
    doc = json.loads(run(["scan", "--format", "json"], tmp_path).stdout)
    assert doc["findings"] == [] and doc["summary"]["suppressed"] == 2


def test_rules_and_explain():
    p = run(["rules"], ROOT)
    assert p.returncode == 0
    for code in ("DPL000", "DPL201", "DPL202", "DPL301", "DPL401"):
        assert code in p.stdout
    p = run(["explain", "DPL201"], ROOT)
    assert p.returncode == 0
    assert "What it finds\n---" in p.stdout and "Why it matters\n---" in p.stdout
    assert run(["explain", "base-model-chat-endpoint"], ROOT).stdout == p.stdout
    assert run(["explain", "DPL999"], ROOT).returncode == 2
    rules = json.loads(run(["rules", "--format", "json"], ROOT).stdout)
    assert {r["code"] for r in rules} >= {"DPL000", "DPL201", "DPL202", "DPL301", "DPL401"}


def test_show_prints_the_linked_picture():
    p = run(["show", "."], BASE_COMPOSE)
    assert p.returncode == 0
    assert "vllm: python -m vllm.entrypoints.openai.api_server — compose service 'vllm'" in p.stdout
    assert "version: 0.6.0 — image tag vllm/vllm-openai:v0.6.0" in p.stdout
    assert "kind: base (known)" in p.stdout
    assert "reached by: Open WebUI compose service 'open-webui' → http://vllm:8000/v1" in p.stdout


def test_python_dash_m_and_version():
    p = run(["--version"], ROOT)
    assert p.returncode == 0 and p.stdout.startswith("deploylint ")


def test_show_links_clients_and_fine_tunes():
    p = run(["show", "."], TESTDATA / "cases" / "client-base-chat" / "repo")
    assert "client: chat via openai, model='qwen', temperature=0.1" in p.stdout
    assert "(app/client.py:15)" in p.stdout
    assert "linked: base_url http://localhost:8000/v1 reaches compose service 'llm'" in p.stdout
    p = run(["show", "."], TESTDATA / "cases" / "lf-qwen-default-system" / "repo")
    assert "fine-tuned: merged by qwen25_lora_merge.yaml into `saves/qwen25-7b-sft-merged`" in (
        p.stdout
    )
    assert "Fine-tuning runs:" in p.stdout and "LLaMA-Factory 0.9.2" in p.stdout
    p = run(["show", "."], TESTDATA / "cases" / "lf-adapter-served" / "repo")
    assert "adapter: claims-triage = /mnt/pvc/adapters/claims-triage-v3" in p.stdout
    assert "trained by configs/llama31_lora_sft.yaml:1" in p.stdout and "rank 8" in p.stdout
