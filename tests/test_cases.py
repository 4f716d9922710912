"""Generic runner over testdata/cases/<name>/: scan a copy of repo/ and compare with
expected.txt exactly, then every finding in full with snapshot.md.

expected.txt holds one finding per line: `PATH[:LINE] CODE SEVERITY` (PATH relative to repo/;
no LINE for a finding about a whole directory). An empty file means: no findings at all. It is
the hand-written expectation.

snapshot.md holds each finding's message, fix, fingerprint and evidence (tests/snapshots.py):
the reviewed detail. `pytest tests/test_cases.py --update-snapshots` (or
`DEPLOYLINT_UPDATE_SNAPSHOTS=1`) rewrites it, for cases whose findings match expected.txt.

Each case's repo/ is copied into a temporary directory that is not inside a git checkout first,
so no case depends on running inside the project's own checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from . import snapshots
from .conftest import TESTDATA
from .helpers import keys, run_scan

CASES = sorted(p for p in (TESTDATA / "cases").iterdir() if (p / "repo").is_dir())

# Cases known to fail outside a git checkout, with the issue that fixes them.
OUTSIDE_GIT: dict[str, str] = {}  # cases that only pass inside a git checkout (none)


def _expected(case) -> list[str]:
    lines = (case / "expected.txt").read_text().splitlines()
    return sorted(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def copy_case(case: Path, tmp_path: Path) -> Path:
    """``case``/repo copied to ``tmp_path`` (never inside a git checkout)."""
    dst = tmp_path / case.name / "repo"
    shutil.copytree(case / "repo", dst, symlinks=True)
    parent = dst
    while parent != parent.parent:
        assert not (parent / ".git").exists(), f"{parent} is a git checkout"
        parent = parent.parent
    return dst


def _params():
    for c in CASES:
        marks = []
        if c.name in OUTSIDE_GIT:
            marks.append(pytest.mark.xfail(strict=True, reason=OUTSIDE_GIT[c.name]))
        yield pytest.param(c, id=c.name, marks=marks)


@pytest.mark.parametrize("case", list(_params()))
def test_case(case, tmp_path, update_snapshots):
    root = copy_case(case, tmp_path)
    result = run_scan(root)
    assert not result.internal_errors, result.internal_errors
    assert keys(result, severity=True) == _expected(case)
    text = snapshots.render(case.name, result.findings, root)
    snapshots.check(case / "snapshot.md", text, update_snapshots)


def test_weak_links_stay_inside_a_project(tmp_path):
    """A scanned collection of unrelated projects (not a git repository): a fine-tune of a public
    model in one project says nothing about a deployment of that model in another."""
    from .helpers import write_tree

    train = (
        "model_name_or_path: Qwen/Qwen2.5-7B-Instruct\nstage: sft\ndo_train: true\n"
        "finetuning_type: lora\ntemplate: qwen\ndataset: support_tickets\n"
        "output_dir: saves/q/lora/sft\n"
    )
    # the served name says the deployment is meant for the fine-tune (positive evidence)
    serve = "vllm serve Qwen/Qwen2.5-7B-Instruct --served-model-name support-bot\n"
    write_tree(tmp_path / "collection", {"team-a/train.yaml": train, "team-b/serve.sh": serve})
    result = run_scan(tmp_path / "collection", select=["DPL301"])
    assert keys(result) == []
    write_tree(tmp_path / "repo", {"train/train.yaml": train, "deploy/serve.sh": serve})
    (tmp_path / "repo" / ".git").mkdir()
    result = run_scan(tmp_path / "repo", select=["DPL301"])
    assert keys(result) == ["deploy/serve.sh:1 DPL301"]
    # ... and a plain tree (a downloaded archive) whose root looks like one project
    write_tree(
        tmp_path / "archive",
        {"README.md": "x\n", "train/train.yaml": train, "deploy/serve.sh": serve},
    )
    result = run_scan(tmp_path / "archive", select=["DPL301"])
    assert keys(result) == ["deploy/serve.sh:1 DPL301"]


def test_generic_path_suffixes_do_not_link():
    from deploylint.link.lineage import PathRef, same_dir

    a = PathRef("saves/gpt-20b/lora/sft", None, set())
    b = PathRef("saves/llama3-8b/lora/sft", None, set())
    c = PathRef("/models/llama3-8b/lora/sft", None, set())
    assert not same_dir(a, b)
    assert same_dir(b, c)


def test_the_directory_index_answers_what_same_dir_answers(tmp_path):
    """``RefIndex.matching`` (lineage queries without comparing every pair) returns exactly the
    items ``same_dir`` accepts, in order: across projects only a shared host path links, inside
    one a shared tail does, and a reference without a location is not confined."""
    from deploylint.config import Config
    from deploylint.link import Project
    from deploylint.link.lineage import PathRef, RefIndex, same_dir
    from deploylint.location import Loc

    from .helpers import write_tree

    write_tree(
        tmp_path / "c",
        {"a/x.yaml": "x: 1\n", "a/y.sh": "y\n", "b/z.yaml": "z: 1\n", "b/w.sh": "w\n"},
    )
    project = Project(Config(), [tmp_path / "c"])
    shared = tmp_path / "c" / "a" / "saves" / "qwen-7b-support"
    texts = [
        "saves/qwen-7b-support",
        "/data/saves/qwen-7b-support",  # the same last two components
        "/models/qwen-7b-support",  # only the last one
        "qwen-7b-support",  # a bare name
        "lora/sft",  # generic
        "saves/llama3-8b/lora/sft",  # distinctive above a generic tail
        "/out/llama3-8b/lora/sft",
        "saves/qwen2-7b/lora/sft",
        "",
    ]
    files = [tmp_path / "c" / f for f in ("a/x.yaml", "a/y.sh", "b/z.yaml", "b/w.sh")] + [None]
    refs = []
    for i, text in enumerate(texts):
        for j, f in enumerate(files):
            cands = {shared} if (i + j) % 3 == 0 else {tmp_path / f"elsewhere{i}{j}"}
            refs.append(PathRef(text, Loc(f, 1) if f else None, cands, project))
    refs.append(PathRef("qwen-7b-support", Loc(files[2], 2), {shared}, None))
    idx = RefIndex([(r, n) for n, r in enumerate(refs)])
    linked = 0
    for q in refs:
        want = [n for n, r in enumerate(refs) if same_dir(r, q)]
        assert [n for _r, n in idx.matching(q)] == want
        linked += len(want)
    assert len(refs) < linked < len(refs) ** 2  # both answers occur


def test_a_relative_output_path_resolves_inside_its_own_project(tmp_path):
    """`output_dir: saves/x` is relative to where the tool runs, the root of the config's
    project: in a scanned collection of unrelated projects two configs writing the same relative
    path do not name one directory; in one repository they do."""
    from deploylint.config import Config
    from deploylint.link import Project
    from deploylint.link.lineage import path_ref, same_dir
    from deploylint.location import Loc

    from .helpers import write_tree

    files = {"team-a/cfg/train.yaml": "a: 1\n", "team-b/export.yaml": "b: 1\n"}
    write_tree(tmp_path / "collection", files)
    write_tree(tmp_path / "repo", files)
    (tmp_path / "repo" / ".git").mkdir()
    for tree, linked in (("collection", False), ("repo", True)):
        root = tmp_path / tree
        project = Project(Config(), [root])
        a_file, b_file = root / "team-a/cfg/train.yaml", root / "team-b/export.yaml"
        a = path_ref(project, "saves/qwen-7b-lora", Loc(a_file, 1), a_file.parent)
        b = path_ref(project, "saves/qwen-7b-lora", Loc(b_file, 1), b_file.parent)
        assert same_dir(a, b) is linked, tree
        assert (root / "saves/qwen-7b-lora" in a.candidates) is linked, tree


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


def test_template_findings_carry_both_prompts_and_the_first_difference(tmp_path):
    for case in ("lf-qwen-default-system", "lmdeploy-qwen25vl-system"):
        result = run_scan(copy_case(TESTDATA / "cases" / case, tmp_path))
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


def test_snapshots_fail_with_a_diff_and_are_rewritten_on_request(tmp_path):
    """The snapshot check itself: a changed message fails with a unified diff naming the line;
    update mode rewrites the file; paths of the scanned copy never reach the text."""
    case = TESTDATA / "cases" / "compose-adapter-as-model"
    root = copy_case(case, tmp_path)
    result = run_scan(root)
    text = snapshots.render(case.name, result.findings, root)
    assert str(tmp_path) not in text and "\nevidence:\n" in text
    snap = tmp_path / "snapshot.md"
    snapshots.check(snap, text, update=True)
    assert snap.read_text(encoding="utf-8") == text
    snapshots.check(snap, text, update=False)  # unchanged: passes
    result.findings[0].message += " (changed)"
    changed = snapshots.render(case.name, result.findings, root)
    with pytest.raises(pytest.fail.Exception) as info:
        snapshots.check(snap, changed, update=False)
    assert "\n+message: " in str(info.value) and "(changed)" in str(info.value)
    assert "--update-snapshots" in str(info.value)
    with pytest.raises(pytest.fail.Exception, match="no snapshot"):
        snapshots.check(tmp_path / "missing.md", text, update=False)
