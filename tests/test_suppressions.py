"""Suppression comments: what a comment covers (the whole next statement in every format), the
file-level form, unused and unknown suppressions (DPL001), and `--add-suppressions`. The real CLI
in a subprocess."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from deploylint.location import SourceFile
from deploylint.suppressions import parse, statement_end, statement_start

from .helpers import write_tree
from .test_cli import run

IGNORE = "# deploylint: ignore[DPL201] completion-only eval server\n"

# Each finding sits on a middle line of a statement spanning lines.
DOCKERFILE = (
    "FROM vllm/vllm-openai:v0.8.5\n"
    'CMD ["--model", \\\n'
    '     "Qwen/Qwen2.5-14B", \\\n'
    '     "--chat-template", "./t.jinja"]\n'
)
SHELL = (
    "#!/bin/sh\n"
    "exec python3 -m vllm.entrypoints.openai.api_server \\\n"
    "    --model Qwen/Qwen2.5-14B \\\n"
    "    --chat-template ./t.jinja \\\n"
    "    --port 8000\n"
)
COMPOSE_BLOCK = (
    "services:\n"
    "  vllm:\n"
    "    image: vllm/vllm-openai:v0.8.5\n"
    "    command: >\n"
    "      --model Qwen/Qwen2.5-14B\n"
    "      --chat-template ./t.jinja\n"
)
COMPOSE_FLOW = (
    "services:\n"
    "  vllm:\n"
    "    image: vllm/vllm-openai:v0.8.5\n"
    '    command: ["--model",\n'
    '              "Qwen/Qwen2.5-32B", "--chat-template", "./t.jinja"]\n'
)
K8S = (
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata:\n"
    "  name: vllm\n"
    "spec:\n"
    "  template:\n"
    "    spec:\n"
    "      containers:\n"
    "      - name: vllm\n"
    "        image: vllm/vllm-openai:v0.8.5\n"
    "        args:\n"
    "        - --model\n"
    "        - Qwen/Qwen2.5-7B\n"
    "        - --chat-template\n"
    "        - ./t.jinja\n"
)
SERVE_BASE = "#!/bin/sh\nvllm serve Qwen/Qwen2.5-0.5B --port 8000\n"
CLIENT = (
    "from openai import OpenAI\n"
    "\n"
    'client = OpenAI(base_url="http://localhost:8000/v1", api_key="x")\n'
    "resp = client.completions.create(\n"
    '    model="Qwen/Qwen2.5-0.5B",\n'
    '    prompt="Once upon a time",\n'
    "    temperature=0,\n"
    ")\n"
)


def _scan(root: Path, *args: str) -> dict:
    p = run(["scan", "--no-cache", "--format", "json", *args], root)
    assert p.returncode in (0, 1), p.stderr
    return json.loads(p.stdout)


def _found(doc: dict) -> list[tuple[str, int | None, str]]:
    return sorted((f["path"], f["line"], f["code"]) for f in doc["findings"])


def _insert(text: str, line: int, comment: str = IGNORE) -> str:
    lines = text.splitlines(keepends=True)
    indent = lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())]
    lines.insert(line - 1, indent + comment)
    return "".join(lines)


# --- a comment covers the whole next statement -------------------------------------------------

MULTILINE = [
    # (file, text, line of the statement's first line, line of the finding)
    ("Dockerfile", DOCKERFILE, 2, 3),
    ("serve.sh", SHELL, 2, 3),
    ("compose.yaml", COMPOSE_BLOCK, 4, 5),
    ("compose.yaml", COMPOSE_FLOW, 4, 5),
    ("k8s/vllm.yaml", K8S, 11, 13),
]


@pytest.mark.parametrize(
    "name,text,start,line", MULTILINE, ids=[m[0] + str(m[2]) for m in MULTILINE]
)
def test_a_comment_before_a_multi_line_statement_covers_all_of_it(
    tmp_path, name, text, start, line
):
    write_tree(tmp_path, {name: text})
    assert _found(_scan(tmp_path)) == [(name, line, "DPL201")]
    (tmp_path / name).write_text(_insert(text, start))
    doc = _scan(tmp_path)
    assert doc["findings"] == [] and doc["summary"]["suppressed"] == 1


def test_a_python_statement_spanning_lines_is_covered(tmp_path):
    write_tree(tmp_path, {"serve.sh": SERVE_BASE, "client.py": CLIENT})
    assert ("client.py", 7, "DPL202") in _found(_scan(tmp_path))
    (tmp_path / "client.py").write_text(
        _insert(CLIENT, 4, "# deploylint: ignore[DPL202] a deterministic smoke test\n")
    )
    assert ("client.py", 8, "DPL202") not in _found(_scan(tmp_path))


def test_near_misses_are_not_covered(tmp_path):
    def dpl201() -> list:
        return [f for f in _found(_scan(tmp_path)) if f[2] == "DPL201"]

    # a blank line between the comment and the command
    write_tree(tmp_path, {"serve.sh": SHELL.replace("#!/bin/sh\n", "#!/bin/sh\n" + IGNORE + "\n")})
    assert dpl201() == [("serve.sh", 5, "DPL201")]
    # the comment covers the statement below it, not the next one
    text = "#!/bin/sh\n" + IGNORE + "echo starting \\\n  now\n" + SHELL.split("\n", 1)[1]
    (tmp_path / "serve.sh").write_text(text)
    assert dpl201() == [("serve.sh", 6, "DPL201")]
    # a comment after code on the line above does not reach the next line
    text = "#!/bin/sh\necho starting  " + IGNORE + SHELL.split("\n", 1)[1]
    (tmp_path / "serve.sh").write_text(text)
    assert dpl201() == [("serve.sh", 4, "DPL201")]
    # YAML: the comment before `image:` does not cover the sibling `command:` below it
    (tmp_path / "serve.sh").unlink()
    write_tree(tmp_path, {"compose.yaml": _insert(COMPOSE_BLOCK, 3)})
    assert dpl201() == [("compose.yaml", 6, "DPL201")]


def test_stacked_comments_and_a_trailing_comment_on_the_first_line(tmp_path):
    text = (
        "#!/bin/sh\n"
        "# deploylint: ignore[DPL202] sampling is set per request\n"
        + IGNORE
        + SHELL.split("\n", 1)[1]
    )
    write_tree(tmp_path, {"serve.sh": text})
    doc = _scan(tmp_path)
    assert [f["code"] for f in doc["findings"]] == ["DPL001"]  # DPL202: nothing to suppress
    assert doc["summary"]["suppressed"] == 1
    compose = COMPOSE_BLOCK.replace(
        "command: >\n", "command: >  # deploylint: ignore[DPL201] eval server\n"
    )
    (tmp_path / "serve.sh").unlink()
    write_tree(tmp_path, {"compose.yaml": compose})
    doc = _scan(tmp_path)
    assert doc["findings"] == [] and doc["summary"]["suppressed"] == 1


def test_file_level_suppression(tmp_path):
    two = SHELL + "vllm serve Qwen/Qwen2.5-32B --chat-template ./t.jinja\n"
    write_tree(tmp_path, {"serve.sh": two, "other.sh": SHELL})
    assert len(_found(_scan(tmp_path))) == 3
    (tmp_path / "serve.sh").write_text(
        two.replace("#!/bin/sh\n", "#!/bin/sh\n# deploylint: ignore-file[DPL201] eval scripts\n")
    )
    doc = _scan(tmp_path)
    assert _found(doc) == [("other.sh", 3, "DPL201")]  # only this file
    assert doc["summary"]["suppressed"] == 2
    sarif = json.loads(run(["scan", "--no-cache", "--format", "sarif"], tmp_path).stdout)
    sup = [r["suppressions"][0] for r in sarif["runs"][0]["results"] if "suppressions" in r]
    assert {s["justification"] for s in sup} == {"eval scripts"}
    assert all(s["kind"] == "inSource" for s in sup)
    # a file-level suppression of another rule leaves DPL201 alone (and is itself unused)
    (tmp_path / "serve.sh").write_text(
        two.replace("#!/bin/sh\n", "#!/bin/sh\n# deploylint: ignore-file[DPL303] r\n")
    )
    assert [c for _, _, c in _found(_scan(tmp_path))].count("DPL201") == 3


# --- unused and unknown suppressions (DPL001) ---------------------------------------------------


def test_unknown_codes_are_reported(tmp_path):
    text = _insert(SHELL, 2, "# deploylint: ignore[DPL2O1, DPL201] eval server\n")
    write_tree(tmp_path, {"serve.sh": text})
    doc = _scan(tmp_path)
    (f,) = doc["findings"]
    assert (f["code"], f["line"], f["severity"]) == ("DPL001", 2, "warning")
    assert "`DPL2O1` is not a rule" in f["message"]
    assert f["evidence"]["unknown"] == ["DPL2O1"] and f["evidence"]["remove_comment"] is False
    assert doc["summary"]["suppressed"] == 1  # DPL201 itself is suppressed
    # unknown codes are reported whatever is selected
    doc = _scan(tmp_path, "--select", "DPL001")
    assert [f["code"] for f in doc["findings"]] == ["DPL001"]


def test_unused_suppressions_are_reported_only_when_their_rule_ran(tmp_path):
    clean = "#!/bin/sh\n" + IGNORE + "vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000\n"
    write_tree(tmp_path, {"serve.sh": clean})
    doc = _scan(tmp_path)
    (f,) = doc["findings"]
    assert (
        f["code"] == "DPL001" and f["line"] == 2 and "`DPL201` suppresses nothing" in f["message"]
    )
    assert f["fix"] == "remove the suppression comment"
    assert run(["scan", "--no-cache"], tmp_path).returncode == 1  # a warning fails
    # DPL201 not run: cannot tell
    assert _scan(tmp_path, "--select", "DPL001,DPL3")["findings"] == []
    assert _scan(tmp_path, "--ignore", "DPL201")["findings"] == []
    # DPL001 itself can be ignored
    assert _scan(tmp_path, "--ignore", "DPL001")["findings"] == []
    # a blanket comment that suppresses nothing, with every rule run
    (tmp_path / "serve.sh").write_text(clean.replace("ignore[DPL201]", "ignore"))
    (f,) = _scan(tmp_path)["findings"]
    assert "every rule suppresses nothing" in f["message"]
    assert _scan(tmp_path, "--select", "DPL2,DPL001")["findings"] == []
    # ... and a comment that lists DPL001 is never reported as unused
    (tmp_path / "serve.sh").write_text(clean.replace("ignore[DPL201]", "ignore[DPL201,DPL001]"))
    assert _scan(tmp_path)["findings"] == []


def test_a_file_that_could_not_be_parsed_is_not_judged(tmp_path):
    bad = 'services:\n  vllm:\n    # deploylint: ignore[DPL201] r\n    command: ["--model"\n'
    write_tree(tmp_path, {"compose.yaml": bad})
    assert [f["code"] for f in _scan(tmp_path)["findings"]] == ["DPL000"]


def test_a_comment_inside_a_python_string_is_not_a_suppression(tmp_path):
    text = 'DOC = """\n# deploylint: ignore[DPL999] an example in a docstring\n"""\n'
    sf = SourceFile(tmp_path / "x.py", "python", 0, text)
    assert parse(sf) == []
    sf = SourceFile(tmp_path / "x.py", "python", 0, "x = 1  # deploylint: ignore[DPL201] r\n")
    (s,) = parse(sf)
    assert s.codes == ("DPL201",) and s.reason == "r" and (s.line, s.end_line) == (1, 1)


def test_statement_spans():
    lines = SHELL.splitlines()
    assert statement_end("shell", lines, 2) == 5
    assert [statement_start("shell", lines, n) for n in (2, 3, 4, 5)] == [2, 2, 2, 2]
    lines = COMPOSE_BLOCK.splitlines()
    assert statement_end("compose", lines, 2) == 6  # `vllm:` and everything under it
    assert statement_end("compose", lines, 3) == 3
    assert statement_start("compose", lines, 5, COMPOSE_BLOCK) == 4
    lines = K8S.splitlines()
    assert statement_end("yaml", lines, 11) == 15  # `args:` and its same-indent list
    assert statement_start("yaml", lines, 13, K8S) == 13  # a list item takes a comment above it
    modelfile = 'FROM qwen2.5\nTEMPLATE """{{ .System }}\n{{ .Prompt }}\n"""\nPARAMETER stop x\n'
    lines = modelfile.splitlines()
    assert statement_end("modelfile", lines, 2) == 4
    assert [statement_start("modelfile", lines, n) for n in (1, 2, 3, 4, 5)] == [1, 2, 2, 2, 5]
    lines = CLIENT.splitlines()
    assert statement_end("python", lines, 4) == 8
    assert statement_start("python", lines, 7, CLIENT) == 4


# --- --add-suppressions --------------------------------------------------------------------------


def test_add_suppressions_silences_every_finding_and_is_idempotent(tmp_path):
    files = {
        "Dockerfile": DOCKERFILE,
        "serve.sh": SHELL,
        "compose.yaml": COMPOSE_BLOCK
        + COMPOSE_FLOW.split("services:\n", 1)[1].replace("  vllm:", "  vllm2:"),
        "k8s/vllm.yaml": K8S,
        "base.sh": SERVE_BASE,
        "client.py": CLIENT,
        "payload.json": '{"model": "Qwen/Qwen2.5-0.5B", "prompt": "x", "temperature": 0}\n',
    }
    write_tree(tmp_path, files)
    before = _found(_scan(tmp_path))
    assert len(before) >= 6
    p = run(["scan", "--no-cache", "--add-suppressions"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert "added 6 suppression comments to 5 files" in p.stderr
    compose = (tmp_path / "compose.yaml").read_text()
    assert compose.count("# deploylint: ignore[DPL201] TODO: say why this is intended") == 2
    assert "    # deploylint: ignore[DPL201] TODO" in compose.split("command: >")[0]
    shell = (tmp_path / "serve.sh").read_text()
    assert shell.splitlines()[1] == "# deploylint: ignore[DPL201] TODO: say why this is intended"
    client = (tmp_path / "client.py").read_text().splitlines()
    # greedy sampling of a base model (DPL202) and no max_tokens on vLLM's /v1/completions, whose
    # default is 16 tokens (DPL206): one comment names both
    assert client[3] == "# deploylint: ignore[DPL202,DPL206] TODO: say why this is intended"
    assert client[4].startswith("resp = client.completions.create(")
    after = _scan(tmp_path)
    # what cannot take a comment is left, and said so
    assert all(path.endswith(".json") for path, _, _ in _found(after)), _found(after)
    snapshot = {p: (tmp_path / p).read_text() for p in files}
    p = run(["scan", "--no-cache", "--add-suppressions"], tmp_path)
    assert "added 0 suppression comments to 0 files" in p.stderr
    assert {p: (tmp_path / p).read_text() for p in files} == snapshot


def test_add_suppressions_keeps_crlf_and_bom_and_never_follows_symlinks(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "serve.sh").write_bytes(b"\xef\xbb\xbf" + SHELL.replace("\n", "\r\n").encode())
    outside = tmp_path / "outside.sh"
    outside.write_text(SHELL)
    (repo / "away.sh").symlink_to(outside)  # out of the tree: never read, so never written
    (repo / "real").mkdir()
    (repo / "real" / "serve.sh").write_text(SHELL)
    (repo / "linked.sh").symlink_to(repo / "real" / "serve.sh")  # inside: scanned by both names
    p = run(["scan", "--no-cache", "--add-suppressions"], repo)
    data = (repo / "serve.sh").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf#!/bin/sh\r\n# deploylint: ignore[DPL201] TODO")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert outside.read_text() == SHELL  # not written through the link
    assert "away.sh" not in p.stderr
    assert "# deploylint: ignore[DPL201]" in (repo / "real" / "serve.sh").read_text()
    assert (repo / "linked.sh").is_symlink()  # the link itself is not replaced by a file
    assert p.returncode == 2 and "linked.sh: a symbolic link; not written" in p.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_added_suppressions_are_reported_as_unused_once_fixed(tmp_path):
    write_tree(tmp_path, {"serve.sh": SHELL})
    run(["scan", "--no-cache", "--add-suppressions"], tmp_path)
    fixed = (tmp_path / "serve.sh").read_text().replace("Qwen2.5-14B", "Qwen2.5-14B-Instruct")
    (tmp_path / "serve.sh").write_text(fixed)
    assert _found(_scan(tmp_path)) == [("serve.sh", 2, "DPL001")]
