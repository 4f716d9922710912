"""Command-line conventions ruff and hadolint users expect: the severity gate, output formats,
statistics, quiet mode, stdin, configuration globs, clear errors. The real CLI in a subprocess."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .helpers import write_tree
from .test_cli import run

INFO_ONLY = "#!/bin/sh\nvllm serve Qwen/Qwen2.5-7B --port 8000\n"  # DPL201 at info
ERROR = "#!/bin/sh\nvllm serve Qwen/Qwen2.5-14B --chat-template ./chatml.jinja\n"  # DPL201 error


# --- severity gate ------------------------------------------------------------------------------


def test_info_is_shown_but_does_not_fail_by_default(tmp_path):
    write_tree(tmp_path, {"serve.sh": INFO_ONLY})
    p = run(["scan"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert "DPL201 [info]" in p.stdout and "Found 1 finding (1 info)" in p.stdout
    assert run(["scan", "--fail-on", "info"], tmp_path).returncode == 1
    assert run(["scan", "--fail-on", "info", "--exit-zero"], tmp_path).returncode == 0
    assert run(["check", "--fail-on", "info", "serve.sh"], tmp_path).returncode == 1
    assert run(["check", "serve.sh"], tmp_path).returncode == 0


def test_fail_on_error_lets_warnings_pass_and_errors_fail(tmp_path):
    write_tree(tmp_path, {"serve.sh": ERROR})
    assert run(["scan", "--fail-on", "error"], tmp_path).returncode == 1
    assert run(["scan", "--fail-on", "error", "--ignore", "DPL201"], tmp_path).returncode == 0
    assert run(["scan", "--fail-on", "fatal"], tmp_path).returncode == 2


def test_fail_on_in_configuration_and_the_command_line_wins(tmp_path):
    write_tree(tmp_path, {"serve.sh": INFO_ONLY, ".deploylint.toml": 'fail-on = "info"\n'})
    assert run(["scan"], tmp_path).returncode == 1
    assert run(["scan", "--fail-on", "warning"], tmp_path).returncode == 0
    (tmp_path / ".deploylint.toml").write_text('fail-on = "never"\n')
    p = run(["scan"], tmp_path)
    assert p.returncode == 2 and "fail-on" in p.stderr


# --- unwritable outputs --------------------------------------------------------------------------


def test_unwritable_output_is_a_usage_error_naming_the_path(tmp_path):
    write_tree(tmp_path, {"serve.sh": ERROR})
    p = run(["scan", "-o", "missing-dir/x.sarif", "--format", "sarif"], tmp_path)
    assert p.returncode == 2
    assert "cannot write missing-dir/x.sarif" in p.stderr and "Traceback" not in p.stderr
    p = run(["scan", "-o", "serve.sh/x.json"], tmp_path)
    assert p.returncode == 2 and "serve.sh/x.json" in p.stderr
    (tmp_path / "out").mkdir()
    p = run(["scan", "-o", "out"], tmp_path)
    assert p.returncode == 2 and "cannot write out: it is a directory" in p.stderr
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        try:
            p = run(["scan", "-o", "ro/x.json"], tmp_path)
            assert p.returncode == 2 and "cannot write ro/x.json" in p.stderr
        finally:
            ro.chmod(0o700)
    p = run(["check", "-o", "missing-dir/x.txt"], tmp_path)
    assert p.returncode == 2 and "missing-dir/x.txt" in p.stderr
    p = run(["scan", "-o", "out/x.txt"], tmp_path)
    assert p.returncode == 1 and (tmp_path / "out" / "x.txt").read_text().startswith("serve.sh")


# --- formats, statistics, quiet -------------------------------------------------------------------

CHAT_STACK = Path(__file__).resolve().parent.parent / "testdata" / "examples" / "chat-stack"


def test_concise_is_one_line_per_finding_and_the_summary():
    p = run(["scan", "--format", "concise", "--no-cache"], CHAT_STACK)
    lines = p.stdout.splitlines()
    assert p.returncode == 1 and len(lines) == 4
    assert lines[0].startswith("deploy/docker-compose.yml:11:9: DPL201 [error] `Qwen/Qwen2.5-14B`")
    assert lines[-1] == "Found 3 findings (3 errors) in 3 files scanned."
    text = run(["scan", "--no-cache"], CHAT_STACK).stdout
    assert text.splitlines()[-1] == lines[-1]  # the same summary as the text report
    for line in lines[:-1]:
        assert line.split(": ", 1)[0] in text and line.split("] ", 1)[1] in text


def test_concise_escapes_control_characters(tmp_path):
    write_tree(tmp_path, {"serve\x1b[31m.sh": ERROR})
    p = run(["scan", "--format", "concise"], tmp_path)
    assert "\x1b" not in p.stdout and "serve\\x1b[31m.sh:2:12: DPL201" in p.stdout


def test_statistics_counts_per_rule():
    p = run(["scan", "--statistics", "--no-cache"], CHAT_STACK)
    assert p.returncode == 1
    assert p.stdout.splitlines()[:2] == [
        "2\tDPL301\tunmerged-adapter (2 errors)",
        "1\tDPL201\tbase-model-chat-endpoint (1 error)",
    ]
    rows = json.loads(run(["scan", "--statistics", "--format", "json"], CHAT_STACK).stdout)
    assert [(r["code"], r["count"]) for r in rows] == [("DPL301", 2), ("DPL201", 1)]
    assert run(["scan", "--statistics", "--format", "sarif"], CHAT_STACK).returncode == 2


def test_quiet_prints_the_findings_and_nothing_else(tmp_path):
    p = run(["scan", "--quiet", "--no-cache"], CHAT_STACK)
    assert "Found" not in p.stdout and "DPL301" in p.stdout and p.returncode == 1
    write_tree(tmp_path, {"serve.sh": "vllm serve Qwen/Qwen2.5-7B-Instruct\n"})
    p = run(["scan", "-q", "--format", "concise"], tmp_path)
    assert p.stdout == "" and p.stderr == "" and p.returncode == 0


# --- show-files, show-settings, excludes ----------------------------------------------------------


def test_show_files_and_show_settings(tmp_path):
    write_tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.deploylint]\nexclude = ["vendor/"]\nfail-on = "error"\n'
            'ignore = ["DPL202"]\n',
            "deploy/serve.sh": ERROR,
            "vendor/serve.sh": ERROR,
            "README.md": "# x\n",
        },
    )
    p = run(["scan", "--show-files"], tmp_path)
    assert p.returncode == 0 and p.stdout.splitlines() == ["deploy/serve.sh", "pyproject.toml"]
    p = run(["scan", "--show-files", "-v", "--extend-exclude", "deploy/*.sh"], tmp_path)
    assert p.stdout.splitlines() == ["pyproject.toml\tpyproject"]
    p = run(["scan", "--show-settings", "--extend-exclude", "x/"], tmp_path)
    assert p.returncode == 0
    settings = dict(line.split(" = ", 1) for line in p.stdout.splitlines() if " = " in line)
    assert settings["config-file"] == '"pyproject.toml"'
    assert settings["fail-on"] == '"error"'
    assert settings["exclude"] == '["vendor/"]' and settings["extend-exclude"] == '["x/"]'
    assert "DPL202" not in json.loads(settings["rules"]) and "DPL201" in settings["rules"]
    p = run(["scan", "--show-settings", "--fail-on", "info"], tmp_path)
    assert 'fail-on = "info"' in p.stdout
    # --exclude replaces the configuration's list
    p = run(["scan", "--show-files", "--exclude", "deploy/"], tmp_path)
    assert p.stdout.splitlines() == ["pyproject.toml", "vendor/serve.sh"]


def test_configuration_globs_follow_gitignore_rules(tmp_path):
    files = {
        "charts/a/templates/serve.sh": ERROR,
        "charts/a/b/templates/serve.sh": ERROR,
        "deploy/x/serve.sh": ERROR,
        "deploy/serve.sh": ERROR,
    }
    write_tree(tmp_path, files)

    def scanned(patterns: str) -> list[str]:
        (tmp_path / ".deploylint.toml").write_text(f"extend-exclude = {patterns}\n")
        return run(["scan", "--show-files"], tmp_path).stdout.split()

    # `*` does not cross `/` …
    assert "charts/a/b/templates/serve.sh" in scanned('["charts/*/templates/"]')
    assert "charts/a/templates/serve.sh" not in scanned('["charts/*/templates/"]')
    assert scanned('["deploy/*.sh"]') == [*sorted(files)[:2], "deploy/x/serve.sh"]
    # … `**` does
    assert not any(p.startswith("charts/") for p in scanned('["charts/**/templates/"]'))
    assert "deploy/x/serve.sh" not in scanned('["deploy/**/*.sh"]')
    # per-file-ignores use the same rules
    (tmp_path / ".deploylint.toml").write_text('[per-file-ignores]\n"deploy/*.sh" = ["DPL201"]\n')
    doc = json.loads(run(["scan", "--format", "json"], tmp_path).stdout)
    assert sorted(f["path"] for f in doc["findings"]) == [
        "charts/a/b/templates/serve.sh",
        "charts/a/templates/serve.sh",
        "deploy/x/serve.sh",
    ]


def test_the_baseline_file_is_never_scanned(tmp_path):
    write_tree(tmp_path, {"deploy/serve.sh": ERROR})
    assert run(["scan", "--write-baseline", "deploy/base line.json"], tmp_path).returncode == 0
    doc = json.loads(
        run(["scan", "--format", "json", "--baseline", "deploy/base line.json"], tmp_path).stdout
    )
    assert doc["summary"]["files_scanned"] == 1 and doc["summary"]["suppressed"] == 1
    p = run(["scan", "--show-files", "--baseline", "deploy/base line.json"], tmp_path)
    assert p.stdout.splitlines() == ["deploy/serve.sh"]


# --- standard input -------------------------------------------------------------------------------


def test_stdin_is_scanned_as_the_named_file_with_the_repository_as_context(tmp_path):
    write_tree(
        tmp_path,
        {
            "models/lora/adapter_config.json": '{"base_model_name_or_path": '
            '"Qwen/Qwen2.5-7B-Instruct", "peft_type": "LORA", "r": 16}\n',
            "deploy/other.sh": ERROR,
        },
    )
    text = "#!/bin/sh\nvllm serve ../models/lora --port 8000\n"
    p = run(
        ["scan", "-", "--stdin-filename", "deploy/new.sh", "--format", "concise"],
        tmp_path,
        stdin=text,
    )
    lines = p.stdout.splitlines()
    assert p.returncode == 1, p.stderr
    assert len(lines) == 2 and lines[0].startswith("deploy/new.sh:2:12: DPL301 [error]")
    assert not (tmp_path / "deploy" / "new.sh").exists()  # nothing written
    # the content from stdin wins over the file on disk
    (tmp_path / "deploy" / "other.sh").write_text(ERROR)
    p = run(
        ["scan", "-", "--stdin-filename", "deploy/other.sh", "--format", "json"],
        tmp_path,
        stdin="#!/bin/sh\nvllm serve Qwen/Qwen2.5-7B-Instruct\n",
    )
    assert p.returncode == 0 and json.loads(p.stdout)["findings"] == []
    p = run(["scan", "-"], tmp_path, stdin=text)
    assert p.returncode == 2 and "--stdin-filename" in p.stderr


# --- show --format json, explain ------------------------------------------------------------------


def test_show_json():
    p = run(["show", "--format", "json"], CHAT_STACK)
    assert p.returncode == 0
    doc = json.loads(p.stdout)
    engines = [(d["engine"], d["location"]["path"]) for d in doc["deployments"]]
    assert ("vllm", "deploy/docker-compose.yml") in engines
    (vllm,) = [d for d in doc["deployments"] if d["service"] == "vllm"]
    assert vllm["version"]["version"] == "0.6.0" and vllm["version"]["pinned"] is True
    assert vllm["model"]["ref"] == "Qwen/Qwen2.5-14B" and vllm["model"]["kind"] == "base"
    assert vllm["reached_by"] and vllm["reached_by"][0]["context"]
    text = run(["show"], CHAT_STACK).stdout
    for d in doc["deployments"]:
        assert d["context"] in text and d["model"]["ref"] in text


def test_explain_renders_the_document_for_a_person():
    p = run(["explain", "DPL301"], CHAT_STACK)
    assert p.returncode == 0
    lines = p.stdout.splitlines()
    assert lines[0] == "DPL301 unmerged-adapter"
    assert lines[2].startswith("severity: error") and "engines: vllm, lmdeploy" in lines[2]
    assert "---" not in lines[:4] and "code: DPL301" not in p.stdout  # no raw front matter
    assert "What it finds\n-------------" in p.stdout and "```expect" not in p.stdout
    assert "Engine facts" in p.stdout and "source: " in p.stdout
    raw = run(["explain", "DPL301", "--format", "markdown"], CHAT_STACK).stdout
    assert raw.startswith("---\ncode: DPL301")
