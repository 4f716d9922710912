"""Baselines: record findings, report only new ones, survive line moves, prune stale entries."""

from __future__ import annotations

import json

from .helpers import write_tree
from .test_cli import run

SERVE = "#!/bin/sh\n# eval server\nvllm serve Qwen/Qwen2.5-14B --port 8100\n"
CHAT = "#!/bin/sh\nvllm serve Qwen/Qwen2.5-7B-Instruct\n"
SEL = ["--select", "DPL201"]


def _repo(tmp_path):
    return write_tree(tmp_path, {"deploy/serve.sh": SERVE, "deploy/chat.sh": CHAT})


def _scan_json(cwd, *args):
    p = run(["scan", "--format", "json", *SEL, *args], cwd)
    assert p.returncode in (0, 1), p.stderr
    return p, json.loads(p.stdout)


def test_write_baseline_file_format(tmp_path):
    _repo(tmp_path)
    p = run(["scan", *SEL, "--write-baseline", "baseline.json"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert "wrote 1 baseline entry to baseline.json" in p.stderr
    assert p.stdout == ""
    doc = json.loads((tmp_path / "baseline.json").read_text())
    assert doc["version"] == 1 and doc["tool"] == "deploylint"
    ((fp, entry),) = doc["entries"].items()
    assert entry == {
        "code": "DPL201",
        "path": "deploy/serve.sh",
        "message": entry["message"],
        "anchor": entry["anchor"],
    }
    assert "Qwen/Qwen2.5-14B" in entry["message"] and entry["anchor"]
    # run in the baseline's directory, the key is the JSON fingerprint
    _, report = _scan_json(tmp_path)
    assert report["findings"][0]["fingerprint"] == fp


def test_baselined_findings_are_not_reported_but_counted(tmp_path):
    _repo(tmp_path)
    assert run(["scan", *SEL, "--write-baseline", "baseline.json"], tmp_path).returncode == 0
    p, doc = _scan_json(tmp_path, "--baseline", "baseline.json")
    assert p.returncode == 0 and doc["findings"] == []
    assert doc["summary"]["suppressed"] == 1
    assert "no longer match" not in p.stderr
    text = run(["scan", *SEL, "--baseline", "baseline.json"], tmp_path)
    assert text.returncode == 0 and text.stdout.rstrip().endswith("; 1 suppressed.")
    # SARIF keeps it as a suppressed result, kind external
    sarif = json.loads(
        run(["scan", *SEL, "--format", "sarif", "--baseline", "baseline.json"], tmp_path).stdout
    )
    (res,) = sarif["runs"][0]["results"]
    assert res["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "baseline baseline.json"}
    ]


def test_moving_a_finding_down_keeps_it_baselined(tmp_path):
    _repo(tmp_path)
    run(["scan", *SEL, "--write-baseline", "baseline.json"], tmp_path)
    (tmp_path / "deploy/serve.sh").write_text(
        "#!/bin/sh\n# inserted lines above the launch\n\n# and more\n#\n" + SERVE[10:]
    )
    p, doc = _scan_json(tmp_path)
    assert doc["findings"][0]["line"] == 7  # it moved down by four lines
    p, doc = _scan_json(tmp_path, "--baseline", "baseline.json")
    assert p.returncode == 0 and doc["findings"] == [] and doc["summary"]["suppressed"] == 1


def test_editing_the_flagged_text_unbaselines_it_and_reports_the_stale_entry(tmp_path):
    _repo(tmp_path)
    run(["scan", *SEL, "--write-baseline", "baseline.json"], tmp_path)
    (tmp_path / "deploy/serve.sh").write_text(SERVE.replace("Qwen2.5-14B", "Qwen2.5-32B"))
    p, doc = _scan_json(tmp_path, "--baseline", "baseline.json", "--fail-on", "info")
    assert p.returncode == 1  # an `info` finding: it fails only with --fail-on info
    assert [f["path"] for f in doc["findings"]] == ["deploy/serve.sh"]
    assert "Qwen2.5-32B" in doc["findings"][0]["message"]
    assert "1 baseline entry in baseline.json no longer match" in p.stderr
    assert "DPL201 deploy/serve.sh:" in p.stderr
    # a new finding elsewhere is reported as well
    (tmp_path / "deploy/chat.sh").write_text(CHAT.replace("7B-Instruct", "7B"))
    p, doc = _scan_json(tmp_path, "--baseline", "baseline.json")
    assert sorted(f["path"] for f in doc["findings"]) == ["deploy/chat.sh", "deploy/serve.sh"]


def test_baseline_is_independent_of_the_working_directory(tmp_path):
    _repo(tmp_path)
    run(["scan", *SEL, "--write-baseline", "baseline.json"], tmp_path)
    p, doc = _scan_json(tmp_path / "deploy", "--baseline", "../baseline.json", ".")
    assert p.returncode == 0 and doc["findings"] == [] and doc["summary"]["suppressed"] == 1


def test_prune_only_removes_entries(tmp_path):
    _repo(tmp_path)
    (tmp_path / "deploy/extra.sh").write_text("vllm serve meta-llama/Llama-3.1-8B\n")
    run(["scan", *SEL, "--write-baseline", "baseline.json"], tmp_path)
    before = json.loads((tmp_path / "baseline.json").read_text())["entries"]
    assert len(before) == 2
    (tmp_path / "deploy/extra.sh").unlink()  # fixed
    (tmp_path / "deploy/chat.sh").write_text(CHAT.replace("7B-Instruct", "7B"))  # new
    p = run(
        ["scan", *SEL, "--baseline", "baseline.json", "--write-baseline", "baseline.json"],
        tmp_path,
    )
    assert p.returncode == 0, p.stderr
    after = json.loads((tmp_path / "baseline.json").read_text())["entries"]
    assert [e["path"] for e in after.values()] == ["deploy/serve.sh"]
    assert set(after) < set(before)


def test_stale_entries_outside_the_scan_are_not_reported(tmp_path):
    _repo(tmp_path)
    (tmp_path / "other").mkdir()
    (tmp_path / "other/run.sh").write_text("vllm serve meta-llama/Llama-3.1-8B\n")
    run(["scan", *SEL, "--write-baseline", "baseline.json"], tmp_path)
    p, doc = _scan_json(tmp_path, "--baseline", "baseline.json", "deploy")
    assert doc["findings"] == [] and "no longer match" not in p.stderr
    # nor entries of rules that did not run
    p = run(["scan", "--select", "DPL401", "--baseline", "baseline.json"], tmp_path)
    assert "no longer match" not in p.stderr


def test_bad_baseline_is_a_usage_error(tmp_path):
    _repo(tmp_path)
    (tmp_path / "b.json").write_text("{not json")
    p = run(["scan", "--baseline", "b.json"], tmp_path)
    assert p.returncode == 2 and "not valid JSON" in p.stderr
    (tmp_path / "b.json").write_text('{"version": 99, "entries": {}}')
    assert run(["scan", "--baseline", "b.json"], tmp_path).returncode == 2
    assert run(["scan", "--baseline", "missing.json"], tmp_path).returncode == 2
    p = run(["scan", "--write-baseline", "b.json", "--diff", "HEAD"], tmp_path)
    assert p.returncode == 2 and "whole scan" in p.stderr
