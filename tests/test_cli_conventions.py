"""Command-line conventions ruff and hadolint users expect: the severity gate, output formats,
statistics, quiet mode, stdin, configuration globs, clear errors. The real CLI in a subprocess."""

from __future__ import annotations

import os

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
