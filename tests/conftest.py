from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTDATA = ROOT / "testdata"
CORPUS = Path(os.environ.get("DEPLOYLINT_CORPUS", ROOT.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def _session_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("deploylint-cache")


@pytest.fixture(autouse=True)
def _isolated_deploylint_cache(monkeypatch, _session_cache):
    """CLI runs in tests cache into one temporary directory (never into testdata/), with the HMAC
    key in a temporary cache home (never the user's)."""
    monkeypatch.setenv("DEPLOYLINT_CACHE_DIR", str(_session_cache / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(_session_cache / "xdg"))


@pytest.fixture(autouse=True)
def _isolated_hf_cache(monkeypatch, tmp_path_factory):
    """Tests never read the machine's Hugging Face cache."""
    empty = tmp_path_factory.mktemp("hf-home")
    monkeypatch.setenv("HF_HOME", str(empty))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def pytest_addoption(parser):
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="rewrite testdata/cases/*/snapshot.md from the current findings "
        "(also: DEPLOYLINT_UPDATE_SNAPSHOTS=1)",
    )


@pytest.fixture
def update_snapshots(request) -> bool:
    """Whether finding snapshots are to be rewritten instead of compared."""
    env = os.environ.get("DEPLOYLINT_UPDATE_SNAPSHOTS", "").strip().lower()
    return bool(request.config.getoption("--update-snapshots")) or env in ("1", "true", "yes")
