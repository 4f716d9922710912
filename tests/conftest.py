from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTDATA = ROOT / "testdata"
CORPUS = Path(os.environ.get("DEPLOYLINT_CORPUS", ROOT.parent / "shared" / "corpus"))


@pytest.fixture(autouse=True)
def _isolated_hf_cache(monkeypatch, tmp_path_factory):
    """Tests never read the machine's Hugging Face cache."""
    empty = tmp_path_factory.mktemp("hf-home")
    monkeypatch.setenv("HF_HOME", str(empty))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
