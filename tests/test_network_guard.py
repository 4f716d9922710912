"""A static scan never touches the network and never starts a process.

The whole of ``testdata/`` and the shared corpus (when present) is scanned through the command
line, in every report format, with the socket layer and every way of starting a process replaced
by tripwires that record the attempt and fail it. An attempt is caught even where the code under
test swallows the error.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from deploylint.cli import main

from .conftest import CORPUS, TESTDATA


class Tripwires:
    def __init__(self) -> None:
        self.attempts: list[str] = []

    def wire(self, name: str):
        def tripped(*args, **kwargs):
            self.attempts.append(f"{name}{args[:2]!r}")
            raise OSError(f"deploylint must not call {name} during a static scan")

        return tripped


@pytest.fixture
def tripwires(monkeypatch):
    t = Tripwires()
    for name in ("socket", "create_connection", "getaddrinfo", "socketpair", "fromfd"):
        monkeypatch.setattr(socket, name, t.wire(f"socket.{name}"))
    monkeypatch.setattr(subprocess, "Popen", t.wire("subprocess.Popen"))
    for name in (
        "system",
        "popen",
        "fork",
        "forkpty",
        "posix_spawn",
        "posix_spawnp",
        "execv",
        "execve",
        "execvp",
        "execvpe",
        "execl",
        "execle",
        "execlp",
        "execlpe",
        "spawnv",
        "spawnve",
        "spawnvp",
        "spawnvpe",
    ):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, t.wire(f"os.{name}"))
    return t


def _roots() -> list[Path]:
    roots = [TESTDATA]
    if CORPUS.is_dir():
        roots.append(CORPUS)
    return roots


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_scan_touches_no_network_and_spawns_nothing(tripwires, capsys, fmt, tmp_path):
    for root in _roots():
        code = main(["scan", "--exit-zero", "--no-color", "--format", fmt, str(root)])
        assert code == 0, capsys.readouterr().err[-2000:]
    out = capsys.readouterr().out
    assert out  # the scan did report
    assert tripwires.attempts == []


def test_show_touches_no_network_and_spawns_nothing(tripwires, capsys):
    for root in _roots():
        main(["show", str(root)])
    assert capsys.readouterr().out
    assert tripwires.attempts == []


def test_tripwires_work(tripwires):
    """The guard itself: a connection attempt is recorded even when its error is swallowed."""
    try:
        socket.create_connection(("example.com", 80))
    except OSError:
        pass
    try:
        subprocess.run(["true"])
    except OSError:
        pass
    assert len(tripwires.attempts) == 2
