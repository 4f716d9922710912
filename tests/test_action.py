"""The GitHub Action (action.yml): its scan step's script, run by the real bash with the real
deploylint, the way the runner runs a composite step (inputs arrive as environment variables)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT
from .helpers import write_tree

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

INFO_ONLY = "#!/bin/sh\nvllm serve Qwen/Qwen2.5-7B --port 8000\n"  # DPL201 at info
ERROR = "#!/bin/sh\nvllm serve Qwen/Qwen2.5-14B --chat-template ./chatml.jinja\n"  # DPL201 error


def _action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def _step(name: str) -> dict:
    (step,) = [s for s in _action()["runs"]["steps"] if s.get("name") == name]
    return step


def run_scan_step(tmp_path: Path, workspace: Path, **inputs: str) -> tuple[int, dict, str]:
    """Run the "Run deploylint" step; returns (status, $GITHUB_OUTPUT entries, output)."""
    step = _step("Run deploylint")
    defaults = {k: str(v.get("default", "")) for k, v in _action()["inputs"].items()}
    values = {**defaults, **{k.replace("_", "-"): v for k, v in inputs.items()}}
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    shim = bindir / "deploylint"  # `deploylint` on PATH: this checkout, this interpreter
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m deploylint "$@"\n')
    shim.chmod(0o755)
    pybin = Path(sys.executable).parent
    env["PATH"] = f"{bindir}{os.pathsep}{pybin}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)
    out_file = tmp_path / "github_output"
    out_file.write_text("")
    env["GITHUB_OUTPUT"] = str(out_file)
    for key, expr in step["env"].items():
        # `${{ inputs.NAME }}` → the input's value
        name = expr.strip()[len("${{ inputs.") : -len(" }}")].strip()
        env[key] = values[name]
    p = subprocess.run(
        ["bash", "-e", "-c", step["run"]],  # GitHub runs `bash --noprofile --norc -eo pipefail`
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    outputs = dict(line.split("=", 1) for line in out_file.read_text().splitlines() if "=" in line)
    return p.returncode, outputs, p.stdout + p.stderr


@needs_bash
def test_paths_with_spaces_one_per_line_and_quoted(tmp_path):
    ws = tmp_path / "ws"
    write_tree(ws, {"deploy files/serve.sh": ERROR, "other dir/serve.sh": ERROR, "x/a.sh": ""})
    for paths in ("deploy files\nother dir\n", '"deploy files" "other dir"'):
        status, outputs, log = run_scan_step(tmp_path, ws, paths=paths, format="github")
        assert status == 0, log
        assert outputs["exit-code"] == "1", log
        assert "file=deploy files/serve.sh,line=2" in log
        assert "file=other dir/serve.sh,line=2" in log
    # one line ending in a newline (a YAML block scalar) is one path, not split in three
    status, outputs, log = run_scan_step(tmp_path, ws, paths="no such dir\n", format="github")
    assert "no such dir" in log and outputs["exit-code"] == "1", log


@needs_bash
def test_the_step_applies_the_severity_gate(tmp_path):
    ws = tmp_path / "ws"
    write_tree(ws, {"serve.sh": INFO_ONLY})
    status, outputs, log = run_scan_step(tmp_path, ws, format="github")
    assert status == 0 and outputs["exit-code"] == "0", log
    assert "DPL201" in log  # shown, but not failing
    status, outputs, log = run_scan_step(tmp_path, ws, format="github", fail_on="info")
    assert status == 0 and outputs["exit-code"] == "1", log
    # SARIF: the file is written where asked, even under a directory with a space
    status, outputs, log = run_scan_step(
        tmp_path, ws, format="sarif", sarif_file="out dir/deploylint.sarif", args="--exit-zero"
    )
    assert status == 2 and "out dir/deploylint.sarif" in log, log  # the directory is missing
    (ws / "out dir").mkdir()
    status, outputs, log = run_scan_step(tmp_path, ws, format="sarif", sarif_file="out dir/d.sarif")
    assert status == 0 and (ws / "out dir" / "d.sarif").is_file(), log
    assert outputs["sarif-file"] == "out dir/d.sarif"


@needs_bash
def test_args_are_split_like_a_shell_without_evaluating_them(tmp_path):
    ws = tmp_path / "ws"
    write_tree(ws, {"serve.sh": ERROR})
    marker = tmp_path / "pwned"
    status, outputs, log = run_scan_step(
        tmp_path, ws, format="github", args=f"--ignore 'DPL201' $(touch {marker})"
    )
    assert not marker.exists()
    # `$(touch …)` is passed as words (paths) deploylint reports as missing, never run
    assert outputs["exit-code"] == "1", log
    status, outputs, log = run_scan_step(tmp_path, ws, format="github", args="--ignore 'DPL201")
    assert status == 2 and "No closing quotation" in log, log


def test_fail_step_uses_the_gate():
    fail = _step("Fail on findings")
    assert "steps.scan.outputs.exit-code == '1'" in fail["if"]
    assert "fail-on" in _action()["inputs"]
