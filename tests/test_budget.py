"""The scan budget (deploylint/budget.py): limits, guards, and what a scan reports over them."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from deploylint import budget
from deploylint.budget import BudgetExceeded, LimitError, Limits, guard, parse_limits
from deploylint.cli import main
from deploylint.config import ConfigError, load_file
from deploylint.runner import scan

UNIX_TIMERS = hasattr(signal, "setitimer") and sys.platform != "win32"


def _busy(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def _big_compose(root: Path, n: int = 4000) -> Path:
    services = "".join(
        f"  s{i}:\n    image: vllm/vllm-openai:v0.6.3\n    command: [--model, m{i}]\n"
        for i in range(n)
    )
    p = root / "compose.yaml"
    p.write_text("services:\n" + services)
    return p


# -- limits ----------------------------------------------------------------------------------------


def test_parse_limits():
    assert parse_limits({"scan-seconds": 30, "file-memory-mib": "64"}) == {
        "scan_seconds": 30.0,
        "file_memory_mib": 64,
    }
    for bad in ({"nope": 1}, {"scan-seconds": -1}, {"scan-seconds": True}, {"scan-seconds": "x"}):
        with pytest.raises(LimitError):
            parse_limits(bad)
    with pytest.raises(LimitError):
        parse_limits({"render-seconds": float("inf")})
    with pytest.raises(LimitError):
        parse_limits([1, 2])  # type: ignore[arg-type]


def test_a_configuration_file_only_lowers_limits(tmp_path):
    cfg_file = tmp_path / ".deploylint.toml"
    cfg_file.write_text("[limits]\nscan-seconds = 100000\nfile-seconds = 1.5\n")
    cfg = load_file(cfg_file)
    assert cfg.limits.scan_seconds == Limits().scan_seconds  # raising is ignored
    assert cfg.limits.file_seconds == 1.5
    cfg_file.write_text("[limits]\nfile-seconds = 0\n")
    with pytest.raises(ConfigError, match="limits"):
        load_file(cfg_file)


def test_the_command_line_sets_any_limit(tmp_path, capsys):
    _big_compose(tmp_path, 3000)
    args = ["scan", "--no-cache", "--format", "json", str(tmp_path)]
    rc = main([*args, "--limit", "file-seconds=0.001"])
    out = json.loads(capsys.readouterr().out)
    msgs = [f["message"] for f in out["findings"] if f["code"] == "DPL000"]
    assert rc == 1
    assert any("per-file time limit (0.001 s, file-seconds)" in m for m in msgs), msgs
    assert main([*args, "--limit", "file-seconds=1e9"]) == 2  # over the maximum: usage error
    assert "--limit" in capsys.readouterr().err
    assert main([*args, "--limit", "nonsense"]) == 2


# -- guards ----------------------------------------------------------------------------------------


@pytest.mark.skipif(not UNIX_TIMERS, reason="interval timers")
def test_guard_interrupts_cpu_work_and_restores_the_handler():
    before = signal.getsignal(signal.SIGPROF)
    with pytest.raises(BudgetExceeded) as ei:
        with guard("file_seconds", 0.05) as token:
            _busy(5)
    assert ei.value.limit == "file_seconds" and ei.value.token is token
    assert signal.getsignal(signal.SIGPROF) is before
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


@pytest.mark.skipif(not UNIX_TIMERS, reason="interval timers")
def test_nested_guards_each_catch_their_own():
    outer_tokens = []
    with pytest.raises(BudgetExceeded) as ei:
        with guard("scan_seconds", 0.4) as outer:
            outer_tokens.append(outer)
            for _ in range(3):  # inner pieces over their limit: caught, the outer goes on
                try:
                    with guard("file_seconds", 0.02) as inner:
                        _busy(1)
                except BudgetExceeded as e:
                    assert e.token is inner
            _busy(5)  # then the outer one expires
    assert ei.value.token is outer_tokens[0]


def test_run_reports_errors_and_limits():
    value, failed = budget.run(lambda: 1 / 0, limit="file_seconds", seconds=5, memory_mib=None)
    assert failed == "error" and isinstance(value, ZeroDivisionError)
    assert budget.run(lambda: 7, limit="file_seconds", seconds=5, memory_mib=None) == (7, None)
    if UNIX_TIMERS:
        value, failed = budget.run(
            lambda: _busy(5), limit="file_seconds", seconds=0.02, memory_mib=None
        )
        assert failed == "file_seconds"


@pytest.mark.skipif(not budget._MEMORY_OK, reason="RLIMIT_AS and /proc/self/statm (Linux)")
def test_memory_limit_raises_memory_error_and_is_lifted():
    with pytest.raises(MemoryError):
        with guard("file_seconds", None, memory_mib=64):
            bytearray(512 * 1024 * 1024)
    bytearray(256 * 1024 * 1024)  # the limit is gone again
    _value, failed = budget.run(
        lambda: bytearray(512 * 1024 * 1024), limit="file_seconds", seconds=10, memory_mib=64
    )
    assert failed == "file_memory_mib"


# -- a scan over its limits ------------------------------------------------------------------------


def _dpl000(result) -> list[str]:
    return [f.message for f in result.findings if f.code == "DPL000"]


@pytest.mark.skipif(not UNIX_TIMERS, reason="interval timers")
def test_file_over_its_time_becomes_dpl000_and_the_scan_goes_on(tmp_path):
    from deploylint.config import Config

    (tmp_path / "serve.sh").write_text("vllm serve meta-llama/Llama-3.1-8B --port 8000\n")
    scan([tmp_path], Config(), cwd=tmp_path)  # imports done: they count against a first file
    _big_compose(tmp_path, 3000)
    cfg = Config(limits=Limits(file_seconds=0.05))
    r = scan([tmp_path], cfg, cwd=tmp_path)
    assert r.internal_errors == []
    assert any("over the per-file time limit" in m for m in _dpl000(r))
    assert tmp_path / "serve.sh" in r.project.files  # the rest was read
    assert [f.path for f in r.findings if f.code == "DPL000"] == ["compose.yaml"]


@pytest.mark.skipif(not UNIX_TIMERS or not hasattr(os, "fork"), reason="timers and fork")
def test_the_per_file_limit_holds_in_worker_processes(tmp_path):
    """--jobs N parses in forked workers: interval timers are not inherited by fork."""
    from deploylint.config import Config

    for i in range(4):
        (tmp_path / f"s{i}.sh").write_text("vllm serve meta-llama/Llama-3.1-8B --port 8000\n")
    scan([tmp_path], Config(), cwd=tmp_path, jobs=2)  # imports done
    _big_compose(tmp_path, 3000)
    r = scan([tmp_path], Config(limits=Limits(file_seconds=0.05)), cwd=tmp_path, jobs=2)
    assert r.internal_errors == []
    assert [f.path for f in r.findings if f.code == "DPL000"] == ["compose.yaml"]


def test_scan_over_its_time_reports_and_runs_no_rule(tmp_path):
    from deploylint.config import Config

    for i in range(30):
        (tmp_path / f"s{i}.sh").write_text("vllm serve meta-llama/Llama-3.1-8B --port 8000\n")
    r = scan([tmp_path], Config(limits=Limits(scan_seconds=0.000001)), cwd=tmp_path)
    assert r.internal_errors == []
    msgs = _dpl000(r)
    assert any("scan stopped: over the scan's time limit" in m for m in msgs), msgs
    assert all(f.code == "DPL000" for f in r.findings)  # no rule ran over a partial project


def test_no_budget_no_limit_outside_a_scan():
    assert budget.active() is None
    assert budget.piece_seconds(3.0) == 3.0
    assert budget.render_piece(lambda s: s, None, RuntimeError) == budget.RENDER_SECONDS_UNBUDGETED
