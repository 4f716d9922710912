"""`--verify` on a GPU: the transformers backend on CUDA and the vLLM backend with the
deployment's own engine arguments. Skipped without a CUDA GPU (and vLLM for the vLLM test);
official vLLM wheels cannot start a model on a CPU."""

from __future__ import annotations

import json
import os

import pytest

from .helpers import chdir

torch = pytest.importorskip("torch")

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


def _verify(repo, tmp_path, *args) -> dict:
    from deploylint.cli import main

    out = tmp_path / "report.json"
    with chdir(repo):
        main(["scan", ".", "--no-cache", "--verify", "--format", "json", "-o", str(out), *args])
    return json.loads(out.read_text())


def test_transformers_backend_on_cuda(verify_repo, tmp_path):
    doc = _verify(verify_repo, tmp_path, "--device", "cuda", "--select", "DPL101,DPL203")
    for f in doc["findings"]:
        v = f["verification"]
        assert v["device"] == "cuda" and v["status"] in ("confirmed", "skipped"), v


@pytest.mark.skipif(
    os.environ.get("DEPLOYLINT_VLLM_TESTS") != "1", reason="set DEPLOYLINT_VLLM_TESTS=1"
)
def test_vllm_backend(verify_repo, tmp_path):
    pytest.importorskip("vllm")
    doc = _verify(verify_repo, tmp_path, "--verify-backend", "vllm", "--select", "DPL101,DPL203")
    eos = [f for f in doc["findings"] if f["path"] == "deploy/eos.sh"][0]["verification"]
    assert eos["backend"] == "vllm"
    assert eos["status"] == "confirmed", eos


@pytest.fixture(scope="module")
def verify_repo(tmp_path_factory):
    import shutil

    from .conftest import TESTDATA
    from .verify_models import build

    repo = tmp_path_factory.mktemp("verify-gpu") / "repo"
    shutil.copytree(TESTDATA / "verify" / "repo", repo)
    (repo / ".git").mkdir()
    build(repo / "models")
    return repo
