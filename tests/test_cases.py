"""Generic runner over testdata/cases/<name>/: scan repo/ and compare with expected.txt exactly.

expected.txt holds one finding per line: `PATH[:LINE] CODE SEVERITY` (PATH relative to repo/;
no LINE for a finding about a whole directory). An empty file means: no findings at all.
"""

from __future__ import annotations

import pytest

from .conftest import TESTDATA
from .helpers import keys, run_scan

CASES = sorted(p for p in (TESTDATA / "cases").iterdir() if (p / "repo").is_dir())


def _expected(case) -> list[str]:
    lines = (case / "expected.txt").read_text().splitlines()
    return sorted(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case):
    result = run_scan(case / "repo")
    assert not result.internal_errors, result.internal_errors
    assert keys(result, severity=True) == _expected(case)


def test_weak_links_stay_inside_a_project(tmp_path):
    """A scanned collection of unrelated projects (not a git repository): a fine-tune of a public
    model in one project says nothing about a deployment of that model in another."""
    from .helpers import write_tree

    train = (
        "model_name_or_path: Qwen/Qwen2.5-7B-Instruct\nstage: sft\ndo_train: true\n"
        "finetuning_type: lora\ntemplate: qwen\ndataset: d\noutput_dir: saves/q/lora/sft\n"
    )
    serve = "vllm serve Qwen/Qwen2.5-7B-Instruct\n"
    write_tree(tmp_path / "collection", {"team-a/train.yaml": train, "team-b/serve.sh": serve})
    result = run_scan(tmp_path / "collection", select=["DPL301"])
    assert keys(result) == []
    write_tree(tmp_path / "repo", {"train/train.yaml": train, "deploy/serve.sh": serve})
    (tmp_path / "repo" / ".git").mkdir()
    result = run_scan(tmp_path / "repo", select=["DPL301"])
    assert keys(result) == ["deploy/serve.sh:1 DPL301"]


def test_generic_path_suffixes_do_not_link():
    from deploylint.link.lineage import PathRef, same_dir

    a = PathRef("saves/gpt-20b/lora/sft", None, set())
    b = PathRef("saves/llama3-8b/lora/sft", None, set())
    c = PathRef("/models/llama3-8b/lora/sft", None, set())
    assert not same_dir(a, b)
    assert same_dir(b, c)


def test_hub_ids_resolve_through_the_local_hugging_face_cache(tmp_path, monkeypatch):
    """A hub id whose snapshot is in HF_HOME is read like a local directory (refs/main)."""
    import json

    from .helpers import write_tree

    snap = tmp_path / "hf" / "hub" / "models--acme--atlas-7b" / "snapshots" / "0123abcd"
    write_tree(
        snap,
        {
            "config.json": json.dumps({"model_type": "llama", "vocab_size": 128256}),
            "generation_config.json": json.dumps({"bos_token_id": 128000, "eos_token_id": 128001}),
            "tokenizer_config.json": json.dumps(
                {"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>"}
            ),
        },
    )
    (tmp_path / "hf" / "hub" / "models--acme--atlas-7b" / "refs").mkdir()
    (tmp_path / "hf" / "hub" / "models--acme--atlas-7b" / "refs" / "main").write_text("0123abcd")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    write_tree(tmp_path / "repo", {"serve.sh": "vllm serve acme/atlas-7b\n"})
    result = run_scan(tmp_path / "repo", select=["DPL201"])
    launch = result.project.launches[0]
    assert launch.model.how == "the local Hugging Face cache"
    assert launch.model.directory is not None
    # Both file signals say "base": end-of-document eos only, no chat template.
    assert launch.model.info.kind == "base"
    assert keys(result) == ["serve.sh:1 DPL201"]


def test_template_findings_carry_both_prompts_and_the_first_difference():
    for case in ("lf-qwen-default-system", "lmdeploy-qwen25vl-system"):
        result = run_scan(TESTDATA / "cases" / case / "repo")
        (f,) = [f for f in result.findings if f.code == "DPL101"]
        ev = f.evidence
        assert ev["prompt_engine"] != ev["prompt_reference"]
        assert "You are Qwen, created by Alibaba Cloud." in ev["prompt_engine"]
        assert (
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>" in ev["prompt_reference"]
        )
        diff = ev["first_difference"]
        assert ev["prompt_engine"][: diff["offset"]] == ev["prompt_reference"][: diff["offset"]]
        assert ev["prompt_engine"][diff["offset"]] != ev["prompt_reference"][diff["offset"]]
