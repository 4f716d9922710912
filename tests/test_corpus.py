"""The real corpus (../shared/corpus): never crash, no internal error, and no DPL000 on a file
that the standard parsers (PyYAML, json) accept."""

from __future__ import annotations

import json

import pytest
import yaml

from .conftest import CORPUS
from .helpers import run_scan

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")


@pytest.fixture(scope="module")
def corpus_result():
    return run_scan(CORPUS)


def test_no_internal_errors(corpus_result):
    assert corpus_result.internal_errors == []
    assert corpus_result.files_scanned > 250


def _parses(path) -> bool:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        json.loads(text)
        return True
    if path.suffix in (".yaml", ".yml"):
        list(yaml.safe_load_all(text))
        return True
    return False


def test_dpl000_only_on_files_standard_parsers_reject(corpus_result):
    for f in corpus_result.findings:
        if f.code != "DPL000":
            continue
        try:
            ok = _parses(f.loc.path)
        except Exception:  # noqa: BLE001 - a standard parser rejects it: DPL000 is right
            ok = False
        assert not ok, f"DPL000 on a file that parses: {f.path}: {f.message}"


def test_every_finding_is_well_formed(corpus_result):
    for f in corpus_result.findings:
        assert f.message and f.code.startswith("DPL") and f.severity in ("error", "warning", "info")
        assert f.fingerprint
