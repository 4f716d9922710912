"""Hostile input: every case gives a finding (DPL000) or is skipped with a reason, within bounded
time and memory, and never crashes.

Each scan runs in a child process with a generous timeout: the timeout is only a hang guard (a
hang fails the test instead of blocking CI), never a speed assertion. Memory is a resource bound:
the child measures its peak with ``tracemalloc`` and the test asserts it stays under
``PEAK_LIMIT``. Large inputs are generated here into temporary directories; small fixed samples
live in ``testdata/hostile/``.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import pytest

from deploylint.config import Config
from deploylint.runner import scan

from .conftest import ROOT, TESTDATA

PEAK_LIMIT = 200 * 1024 * 1024  # bytes, per case
HANG_GUARD = 300  # seconds; a guard against hangs, not a timing assertion

_CHILD = textwrap.dedent(
    """
    import json, sys, tracemalloc
    from pathlib import Path
    from deploylint.config import Config
    from deploylint.location import read_text
    from deploylint.runner import scan

    from deploylint.budget import Limits

    root = Path(sys.argv[1])
    # tracemalloc makes everything about three times slower: the time limits are widened to
    # match (these cases are about structural limits; tests/hostile_corpus.py runs the defaults)
    config = Config(limits=Limits(file_seconds=30, scan_seconds=300, rule_seconds=60))
    tracemalloc.start()
    result = scan([root], config, cwd=root)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    bad_lines = []
    n_lines = {}
    for f in result.findings + result.suppressed:
        if f.loc.line is None:
            continue
        path = f.loc.path
        if path not in n_lines:
            try:
                n_lines[path] = len(read_text(path).splitlines()) or 1
            except (OSError, ValueError):
                n_lines[path] = None
        n = n_lines[path]
        if f.loc.line < 1 or (n is not None and f.loc.line > n):
            bad_lines.append(f"{f.path}:{f.loc.line} ({n} lines)")
    files = {}
    for path, ff in result.project.files.items():
        files[path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)] = {
            "launches": len(ff.launches),
            "skipped": ff.data.get("skipped"),
        }
    print(json.dumps({
        "peak": peak,
        "internal_errors": result.internal_errors,
        "findings": [[f.code, f.path, f.loc.line, f.message] for f in result.findings],
        "files": files,
        "bad_lines": bad_lines,
    }))
    """
)


def scan_child(root: Path, timeout: int = HANG_GUARD) -> dict:
    """Scan ``root`` in a child process; assert it neither crashed nor hung nor erred."""
    p = subprocess.run(
        [sys.executable, "-c", _CHILD, str(root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert p.returncode == 0, f"scan crashed (status {p.returncode}): {p.stderr[-2000:]}"
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["internal_errors"] == [], out["internal_errors"]
    assert out["peak"] < PEAK_LIMIT, f"peak memory {out['peak'] / 1e6:.0f} MB"
    assert out["bad_lines"] == [], out["bad_lines"]
    return out


def messages(out: dict, name: str | None = None) -> list[str]:
    return [
        m for code, path, _line, m in out["findings"] if code == "DPL000" and (name in (None, path))
    ]


def write(root: Path, rel: str, text: str | bytes) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return p


# -- the committed samples ---------------------------------------------------------------------

HOSTILE = TESTDATA / "hostile"

# sample directory -> (file, text expected in a DPL000 message or a skip reason)
SAMPLES = {
    "laughs": ("compose.yaml", "alias bomb"),
    "recursive-alias": ("list.yaml", "recursive structure"),
    "list-bomb": ("k8s.yaml", "alias bomb"),
    "env-bomb": ("serve.sh", "expansion bomb"),
    "brace-nest": ("serve.sh", "nested more than"),
    "sh-c-recursion": ("serve.sh", "nested more than 8 levels"),
    "chart": ("templates/deployment.yaml", "skip:Go template syntax"),
    "merge-conflict": ("compose.yaml", "merge-conflict marker"),
    "json-bigint": ("config.json", "too long to read"),
    "selector": ("service.yaml", "more than 1000 YAML nodes"),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_committed_sample(name):
    rel, expected = SAMPLES[name]
    out = scan_child(HOSTILE / name)
    if expected.startswith("skip:"):
        assert expected[5:] in (out["files"][rel]["skipped"] or ""), out["files"]
    else:
        assert any(expected in m for m in messages(out, rel)), out["findings"]


def test_every_sample_is_covered():
    dirs = {p.name for p in HOSTILE.iterdir() if p.is_dir()}
    assert dirs == set(SAMPLES)


def test_gitignore_pattern_cannot_hang_the_walk(tmp_path):
    """`*a*a*…*b` against a long name of `a`s backtracks exponentially in a naive regex. (Made
    here, not committed: git's own matcher hangs on it, so a checkout holding it cannot be
    committed to.)"""
    write(tmp_path, ".gitignore", "*a" * 21 + "*b\n")
    write(
        tmp_path,
        "a" * 64 + ".yml",
        "services:\n  vllm:\n    image: vllm/vllm-openai:v0.6.0\n"
        "    command: [--model, meta-llama/Llama-3.1-8B-Instruct]\n",
    )
    out = scan_child(tmp_path)
    (name,) = [k for k in out["files"] if k.endswith(".yml")]  # scanned, not ignored
    assert out["files"][name]["launches"] == 1


# -- YAML ----------------------------------------------------------------------------------------

N = 10_000


def test_yaml_flow_nesting(tmp_path):
    write(tmp_path, "compose.yaml", "services: " + "[" * N + "]" * N + "\n")
    write(tmp_path, "k8s.yaml", "apiVersion: v1\nkind: Pod\nspec: " + "{a: " * N + "1" + "}" * N)
    out = scan_child(tmp_path)
    # The behaviour, not the wording: our depth guard and libyaml's own limit (PyYAML 6.0.4 says
    # "exceeded maximum nesting depth") both end as DPL000 on the file, and the scan goes on.
    assert messages(out, "compose.yaml"), out["findings"]
    assert messages(out, "k8s.yaml"), out["findings"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("services:\n  " + "- " * N + "x\n", id="block-sequences"),
        pytest.param("? " * (10 * N) + "x\n", id="complex-keys"),  # once a segfault
        pytest.param("".join(" " * i + "a:\n" for i in range(3000)), id="indentation"),
        pytest.param("- " * 300 + "[" * 300 + "x" + "]" * 300 + "\n", id="mixed"),
    ],
)
def test_yaml_block_nesting(tmp_path, text):
    # Indentation-based nesting needs quadratic space: 3,000 levels already take 4.5 MB.
    write(tmp_path, "compose.yaml", text)
    out = scan_child(tmp_path)
    assert messages(out, "compose.yaml"), out["findings"]


def test_yaml_deep_but_allowed_nesting_is_read(tmp_path):
    """Nested Lists under the depth limit are followed to the Pod at the bottom."""
    depth = 120
    lines = []
    for i in range(depth):
        pad = "  " * (2 * i)
        lines.append(f"{pad}- apiVersion: v1\n{pad}  kind: List\n{pad}  items:")
    pad = "  " * (2 * depth)
    lines.append(
        f"{pad}- apiVersion: v1\n{pad}  kind: Pod\n{pad}  metadata: {{name: p}}\n"
        f"{pad}  spec:\n{pad}    containers:\n{pad}    - name: c\n"
        f"{pad}      image: vllm/vllm-openai:v0.6.0\n{pad}      command: [vllm, serve, m]"
    )
    write(tmp_path, "k8s.yaml", "apiVersion: v1\nkind: List\nitems:\n" + "\n".join(lines) + "\n")
    out = scan_child(tmp_path)
    assert out["files"]["k8s.yaml"]["launches"] == 1
    assert messages(out) == []


def test_yaml_deeply_nested_lists_refused(tmp_path):
    item = "{apiVersion: v1, kind: List, items: [%s]}"
    text = "x"
    for _ in range(1000):
        text = item % text
    write(tmp_path, "k8s.yaml", "apiVersion: v1\nkind: List\nitems: [" + text + "]\n")
    out = scan_child(tmp_path)
    assert any("nesting deeper" in m for m in messages(out, "k8s.yaml"))


def test_yaml_alias_amplification_through_commands(tmp_path):
    """One long command list shared by thousands of services: the aliases are not followed."""
    big = ", ".join(["--x"] * 5000)
    svcs = "\n".join(f"  s{i}: {{image: vllm/vllm-openai, command: *c}}" for i in range(2000))
    write(tmp_path, "compose.yaml", f"x-c: &c [vllm, serve, m, {big}]\nservices:\n{svcs}\n")
    out = scan_child(tmp_path)
    assert any("alias bomb" in m for m in messages(out, "compose.yaml"))


@pytest.mark.parametrize("shape", ["command-string", "flow-list", "plain-scalar", "flow-env"])
def test_yaml_one_megabyte_single_line(tmp_path, shape):
    if shape == "command-string":
        text = '{services: {vllm: {image: vllm/vllm-openai, command: "vllm serve m '
        text += "--a b " * 175_000 + '"}}}'
    elif shape == "flow-list":
        text = '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": '
        text += '{"containers": [{"name": "c", "image": "vllm/vllm-openai", "args": ['
        text += ", ".join(['"--x"'] * 150_000) + "]}]}}"
    elif shape == "plain-scalar":
        text = "services: {vllm: {image: vllm/vllm-openai, command: [--model, m], "
        text += "environment: {A: " + "m" * 1_000_000 + "}}}"
    else:
        text = "{services: {v: {image: nginx, environment: ["
        text += ", ".join(f"A{i}=1" for i in range(130_000)) + "]}}}"
    assert len(text) > 1_000_000 and "\n" not in text
    write(tmp_path, "compose.yaml" if shape != "flow-list" else "pod.yaml", text + "\n")
    out = scan_child(tmp_path)
    if shape in ("command-string", "flow-list"):
        assert any("more than 10000" in m for m in messages(out)), out["findings"]
    elif shape == "plain-scalar":
        assert out["files"]["compose.yaml"]["launches"] == 1
    else:
        assert out["files"]["compose.yaml"]["launches"] == 0


def test_very_long_model_reference(tmp_path):
    # Path.exists() raised OSError(ENAMETOOLONG) in the linker (Project.local_path)
    write(tmp_path, "serve.sh", "vllm serve " + "m" * 5000 + "\n")
    scan_child(tmp_path)


@pytest.mark.parametrize(
    "ref",
    [
        "./" + "m" * 5000,  # a name too long (ENAMETOOLONG), relative
        "/" + "m" * 5000,  # and absolute (resolved against the scan roots)
        "/" + "/".join(["m" * 200] * 40),  # each name short, the path too long
        "org/" + "m" * 5000,  # a Hub id too long for the cache directory's name
        "./loop/x",  # through a symlink loop (ELOOP)
        "LOOP/x",  # the same, absolute (Path.resolve raised RuntimeError)
        "./m\x00x",  # a NUL (ValueError)
    ],
    ids=["long-name", "long-absolute", "long-path", "long-hub-id", "loop", "loop-absolute", "nul"],
)
@pytest.mark.parametrize("where", ["shell", "compose", "config"])
def test_model_reference_the_file_system_cannot_look_up(tmp_path, ref, where):
    """A path built from scanned text that the file system cannot look up is "not there"."""
    os.symlink("loop", tmp_path / "loop")
    ref = ref.replace("LOOP", str(tmp_path / "loop"))
    if where == "shell":
        write(tmp_path, "serve.sh", f"vllm serve '{ref}'\n")
    elif where == "compose":
        command = json.dumps(["--model", ref, "--tokenizer", ref, "--chat-template", ref])
        write(
            tmp_path,
            "compose.yaml",
            f"services:\n  v:\n    image: vllm/vllm-openai:v0.6.0\n    command: {command}\n"
            f"    volumes: [{json.dumps(ref + ':/models')}]\n",
        )
    else:
        write(tmp_path, "serve.sh", f"vllm serve m --config {json.dumps(ref)}\n")
    scan_child(tmp_path)


def test_safe_file_system_queries(tmp_path, monkeypatch):
    from deploylint import location as L

    os.symlink("loop", tmp_path / "loop")
    (tmp_path / "d").mkdir()
    (tmp_path / "f").write_text("x")
    for bad in (
        tmp_path / ("m" * 5000),
        Path("/" + "/".join(["m" * 200] * 40)),
        tmp_path / "loop" / "x",
        tmp_path / "m\x00x",
    ):
        assert not L.safe_exists(bad) and not L.safe_is_dir(bad) and not L.safe_is_file(bad)
    assert L.safe_resolve(tmp_path / "loop" / "x") is None
    assert L.safe_is_dir(tmp_path / "d") and not L.safe_is_file(tmp_path / "d")
    assert L.safe_is_file(tmp_path / "f") and not L.safe_is_dir(tmp_path / "f")
    assert L.safe_exists(tmp_path / "f") and L.safe_resolve(tmp_path / "f") == tmp_path / "f"

    def denied(path, *a, **k):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "stat", denied)  # EACCES (this may run as root, where it cannot be)
    assert not L.safe_exists(tmp_path / "f") and not L.safe_is_dir(tmp_path / "d")


def test_compose_with_ten_thousand_services(tmp_path):
    services = "".join(
        f"  s{i}:\n    image: vllm/vllm-openai:v0.6.0\n"
        f"    command: [--model, meta-llama/Llama-3.1-8B-Instruct]\n"
        for i in range(N)
    )
    write(tmp_path, "vllm/compose.yaml", "services:\n" + services)
    plain = "".join(f"  s{i}:\n    image: nginx\n    environment: [A=1]\n" for i in range(N))
    write(tmp_path, "web/compose.yaml", "services:\n" + plain)
    out = scan_child(tmp_path)
    assert any("more than 1000 launches" in m for m in messages(out, "vllm/compose.yaml"))
    assert out["files"]["vllm/compose.yaml"]["launches"] == 1000
    assert out["files"]["web/compose.yaml"]["launches"] == 0
    assert messages(out, "web/compose.yaml") == []


def test_env_expansion_bombs_in_every_format(tmp_path):
    def chain(ref):
        lines, prev = [("A", "x" * 10)], "A"
        for i in range(12):
            cur = f"B{i}"
            lines.append((cur, ref(prev) * 10))
            prev = cur
        return lines, prev

    sh, last = chain(lambda v: f"${v}")
    write(tmp_path, "serve.sh", "".join(f"{k}={v}\n" for k, v in sh) + f'vllm serve "${last}"\n')
    df = "FROM vllm/vllm-openai:v0.6.0\n" + "".join(f"ENV {k}={v}\n" for k, v in sh)
    write(tmp_path, "Dockerfile", df + f'CMD ["--model", "${last}"]\n')
    k8s, last = chain(lambda v: f"$({v})")
    env = "".join(f'      - {{name: {k}, value: "{v}"}}\n' for k, v in k8s)
    write(
        tmp_path,
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n"
        f'    image: vllm/vllm-openai\n    env:\n{env}    args: ["--model", "$({last})"]\n',
    )
    dotenv = "".join(f"{k}={'x' * 100_000}\n" for k in ("A", "B"))
    write(tmp_path, "compose/.env", dotenv)
    refs = "".join(f"      - X{i}=${{A}}${{B}}\n" for i in range(20))
    write(
        tmp_path,
        "compose/compose.yaml",
        f"services:\n  v:\n    image: vllm/vllm-openai\n    environment:\n{refs}"
        "    command: [--model, m]\n",
    )
    out = scan_child(tmp_path)
    for name in ("serve.sh", "Dockerfile", "pod.yaml", "compose/compose.yaml"):
        assert any("expansion bomb" in m for m in messages(out, name)), (name, out["findings"])


def test_dockerfile_stage_inheritance_is_bounded(tmp_path):
    """Each stage copies its parent's environment: quadratic without a budget."""
    lines = ["FROM vllm/vllm-openai:v0.6.0 AS s0"]
    for i in range(1, 3000):
        lines += [f"ENV V{i}=x", f"FROM s{i - 1} AS s{i}"]
    write(tmp_path, "Dockerfile", "\n".join(lines) + '\nCMD ["--model", "m"]\n')
    out = scan_child(tmp_path)
    assert any("environment variables copied" in m for m in messages(out, "Dockerfile"))


# -- shell and Dockerfile --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("vllm serve " + "$( " * N + "\n", "unterminated $("),
        ("vllm serve " + "$( " * N + ")" * N + "\n", None),
        ("vllm serve " + "`echo " * 3 + "\n", "unterminated backquote"),
        ("vllm serve " + "${a:-" * N + "}" * N + "\n", "nested more than"),
        ("vllm serve m " + ">a " * 20_000 + "\n", None),  # once a RecursionError
        ("cat <<EOF\n" + "vllm serve m\n" * 1000, None),  # a heredoc that never ends
        ("vllm serve m " + "--x 1 " * 20_000 + "\n", "more than 10000 words"),
        ("echo " + "'" * 1 + "x" * 1_000_000 + "\n", "unterminated single quote"),
        ("".join(f"A{i}=1\n" for i in range(2000)) + "vllm serve m\n" * 1001, "not read"),
    ],
    ids=[
        "cmdsubst-open",
        "cmdsubst-closed",
        "backquotes",
        "brace-defaults",
        "redirections",
        "heredoc",
        "long-command",
        "long-quote",
        "many-launches-big-env",
    ],
)
def test_shell(tmp_path, text, expected):
    write(tmp_path, "serve.sh", text)
    out = scan_child(tmp_path)
    if expected is None:
        assert messages(out) == []
    else:
        assert any(expected in m for m in messages(out, "serve.sh")), out["findings"]


def test_dockerfile_continuations(tmp_path):
    body = "FROM vllm/vllm-openai:v0.6.0\nCMD vllm serve m \\\n" + "  --x y \\\n" * N + "  --z\n"
    write(tmp_path, "a/Dockerfile", body)
    write(tmp_path, "b/Dockerfile", "FROM vllm/vllm-openai:v0.6.0\nRUN echo \\\n" * 2 + "\\\n" * N)
    write(tmp_path, "c/Dockerfile", "FROM x\nCMD " + "[" * N + "]" * N + "\n")
    many = "".join(f"FROM s{i} AS s{i + 1}\n" for i in range(30_000))
    write(tmp_path, "d/Dockerfile", "FROM vllm/vllm-openai:v0.6.0 AS s0\n" + many)
    out = scan_child(tmp_path)
    assert out["files"]["a/Dockerfile"]["launches"] == 1
    assert messages(out, "a/Dockerfile") == []


@pytest.mark.parametrize(
    "template",
    [
        '"""' + "{{ if .x }}" * 40_000 + '"""',  # many words
        '"""' + "{{ if .x }}\n" * 40_000 + '"""',  # many lines
        '"""' + "\n" * 200_000 + "x",  # unterminated after many blank lines
        '"' + " " * 200_000 + '"',
    ],
    ids=["words", "lines", "unterminated", "blanks"],
)
def test_modelfile_long_template(tmp_path, template):
    # value_span joined the whole value at every blank in it: quadratic in a TEMPLATE's length
    write(tmp_path, "Modelfile", "FROM llama3\nTEMPLATE " + template + "\n")
    scan_child(tmp_path, timeout=60)


# -- JSON ----------------------------------------------------------------------------------------


def test_json_nesting(tmp_path):
    write(tmp_path, "a/config.json", "[" * N + "]" * N)
    write(tmp_path, "b/config.json", '{"a":' * N + "1" + "}" * N)
    write(tmp_path, "c/tokenizer_config.json", '{"chat_template": ' + "[" * N + "]" * N + "}")
    out = scan_child(tmp_path)
    for name in ("a/config.json", "b/config.json", "c/tokenizer_config.json"):
        assert any("nesting too deep" in m for m in messages(out, name)), name


def test_json_payload_nesting(tmp_path):
    pytest.importorskip("deploylint.sources.payloads")
    write(tmp_path, "request.json", '{"model": "m", "messages": ' + "[" * N + "]" * N + "}")
    nested = '{"model": "m", "messages": [{"role": "user", "content": ' + '{"a":' * 900
    write(tmp_path, "request2.json", nested + "1" + "}" * 900 + "}]}")
    scan_child(tmp_path)


def test_json_duplicate_keys_last_wins(tmp_path):
    """Duplicate keys are read as `json.load` (and so transformers) reads them: the last wins."""
    write(tmp_path, "m/config.json", '{"model_type": "llama", "vocab_size": 1, "vocab_size": 7}')
    result = scan([tmp_path], Config(), cwd=tmp_path)
    assert result.internal_errors == []
    doc = result.project.files[tmp_path / "m" / "config.json"].data["json"]
    assert doc.data["vocab_size"] == 7
    assert doc.loc("vocab_size").line == 1


# -- every kind: binary, invalid UTF-8, merge markers ---------------------------------------------

KIND_FILES = {
    "shell": "serve.sh",
    "dockerfile": "Dockerfile",
    "compose": "compose.yaml",
    "yaml": "k8s.yaml",
    "requirements": "requirements.txt",
    "pyproject": "pyproject.toml",
    "dotenv": ".env",
    "model-file": "config.json",
    "model-template": "chat_template.jinja",
    "python": "app.py",
    "json": "request.json",
    "modelfile": "Modelfile",
}


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"\x00\x01binary\xff\xfe" * 200, "binary file"),
        (b"model: vllm\n\xc3\x28 not utf-8\n", "invalid UTF-8"),
        (
            b"a = 1\n<<<<<<< HEAD\nmodel: a\n=======\nmodel: b\n>>>>>>> branch\n",
            "merge-conflict marker",
        ),
    ],
    ids=["binary", "invalid-utf8", "merge-markers"],
)
def test_every_kind(tmp_path, content, expected):
    for name in KIND_FILES.values():
        write(tmp_path, name, content)
    write(tmp_path, "tokenizer.json", content)  # presence only: never read
    write(tmp_path, "model.safetensors", content)  # weights: never opened
    out = scan_child(tmp_path)
    for kind, name in KIND_FILES.items():
        assert any(expected in m for m in messages(out, name)), (kind, out["findings"])
    assert messages(out, "tokenizer.json") == []
    assert "model.safetensors" not in out["files"]


# -- files that are not what they seem ------------------------------------------------------


def test_hundred_megabyte_file_is_not_read(tmp_path, monkeypatch):
    """Over the size cap: reported from its size alone, never opened, never in memory."""
    big = tmp_path / "compose.yaml"
    with open(big, "wb") as fh:
        fh.write(b"services: {}\n")
        fh.truncate(100 * 1024 * 1024)  # sparse: no disk needed
    opened: list[str] = []
    real_os_open, real_open = os.open, open

    def spy_os_open(path, *a, **k):
        opened.append(os.fspath(path))
        return real_os_open(path, *a, **k)

    def spy_open(path, *a, **k):
        if isinstance(path, (str, Path)):
            opened.append(os.fspath(path))
        return real_open(path, *a, **k)

    scan([TESTDATA / "hostile" / "merge-conflict"], Config(), cwd=tmp_path)  # imports done
    monkeypatch.setattr(os, "open", spy_os_open)
    monkeypatch.setattr("builtins.open", spy_open)
    tracemalloc.start()
    try:
        result = scan([tmp_path], Config(), cwd=tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(big) not in opened
    assert peak < 20 * 1024 * 1024
    assert result.internal_errors == []
    (f,) = [f for f in result.findings if f.code == "DPL000"]
    assert "over the 5242880-byte limit" in f.message and f.loc.line is None


def test_file_that_grows_after_discovery_is_not_read_past_the_limit(tmp_path, monkeypatch):
    """A file measured small but large when read (or a /proc file reporting size 0)."""
    from deploylint import discover as discover_mod

    p = write(tmp_path, "compose.yaml", "services: {}\n")
    real = discover_mod.discover

    def grow_after(*a, **k):
        d = real(*a, **k)
        with open(p, "ab") as fh:
            fh.truncate(64 * 1024 * 1024)
        return d

    monkeypatch.setattr("deploylint.runner.discover", grow_after)
    result = scan([tmp_path], Config(), cwd=tmp_path)
    assert result.internal_errors == []
    assert any("larger than" in f.message for f in result.findings), result.findings


def test_directories_nested_deeper_than_the_recursion_limit(tmp_path):
    """Discovery walks with its own stack: 1,500 nested directories (once a RecursionError)."""
    deep = str(tmp_path)
    for _ in range(1500):  # (os.makedirs and Path.mkdir(parents=True) recurse themselves)
        deep = os.path.join(deep, "d")
        os.mkdir(deep)
    compose = "services:\n  v:\n    image: vllm/vllm-openai\n    command: [--model, m]\n"
    write(Path(deep), "compose.yaml", compose)
    try:
        out = scan_child(tmp_path)
    finally:  # (shutil.rmtree recurses too: remove the tree bottom up for pytest's cleanup)
        os.unlink(os.path.join(deep, "compose.yaml"))
        while deep != str(tmp_path):
            os.rmdir(deep)
            deep = os.path.dirname(deep)
    (name,) = [k for k in out["files"] if k.endswith("compose.yaml")]
    assert out["files"][name]["launches"] == 1


def test_symlinks_fifos_and_devices(tmp_path):
    os.symlink("loop", tmp_path / "loop")  # a self-loop
    os.symlink("b.yaml", tmp_path / "a.yaml")  # a loop of two
    os.symlink("a.yaml", tmp_path / "b.yaml")
    (tmp_path / "sub").mkdir()
    os.symlink("..", tmp_path / "sub" / "up")  # a directory loop
    os.symlink("/dev/zero", tmp_path / "compose.yaml")  # endless data
    os.mkfifo(tmp_path / "serve.sh")  # reading would block forever
    write(
        tmp_path,
        "app/compose.yaml",
        "services:\n  v:\n    image: vllm/vllm-openai\n    env_file: [/dev/zero, fifo.env]\n"
        "    build: {context: /dev, dockerfile: zero}\n    command: [--model, m]\n",
    )
    os.mkfifo(tmp_path / "app" / "fifo.env")
    out = scan_child(tmp_path)
    by_path = {path: m for code, path, _line, m in out["findings"] if code == "DPL000"}
    # Links that loop or leave the tree (/dev/zero) are skipped, not findings; the FIFO in the
    # tree is a file of the repository that cannot be read: reported.
    for name in ("loop", "a.yaml", "b.yaml", "compose.yaml", "sub/up"):
        assert name not in by_path, by_path
    assert "not a regular file" in by_path["serve.sh"]
    assert "app/compose.yaml" in out["files"]


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root reads mode-000 files and directories (covered by the simulated test below)",
)
def test_unreadable_files_and_directories(tmp_path):
    write(tmp_path, "locked/compose.yaml", "services: {}\n")
    f = write(tmp_path, "serve.sh", "vllm serve m\n")
    os.chmod(f, 0)
    os.chmod(tmp_path / "locked", 0)
    try:
        result = scan([tmp_path], Config(), cwd=tmp_path)
    finally:
        os.chmod(tmp_path / "locked", stat.S_IRWXU)
        os.chmod(f, stat.S_IRUSR | stat.S_IWUSR)
    assert result.internal_errors == []
    msgs = {f.path: f.message for f in result.findings if f.code == "DPL000"}
    assert "cannot read file" in msgs["serve.sh"]
    assert "cannot read directory" in msgs["locked"]


def test_unreadable_files_and_directories_simulated(tmp_path, monkeypatch):
    """The same failures injected at the OS boundary (works as root too)."""
    from deploylint import discover as discover_mod
    from deploylint import location

    write(tmp_path, "locked/compose.yaml", "services: {}\n")
    write(tmp_path, "serve.sh", "vllm serve m\n")
    real_scandir, real_read = discover_mod.os.scandir, location.read_bytes

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    def read_bytes(path, limit=location.READ_LIMIT):
        if Path(path).name == "serve.sh":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path, limit)

    monkeypatch.setattr(discover_mod.os, "scandir", scandir)
    monkeypatch.setattr(location, "read_bytes", read_bytes)
    result = scan([tmp_path], Config(), cwd=tmp_path)
    assert result.internal_errors == []
    msgs = {f.path: f.message for f in result.findings if f.code == "DPL000"}
    assert "cannot read file: Permission denied" in msgs["serve.sh"]
    assert "cannot read directory: Permission denied" in msgs["locked"]


def test_file_deleted_between_discovery_and_reading(tmp_path, monkeypatch):
    p = write(tmp_path, "serve.sh", "vllm serve m\n")
    real = __import__("deploylint.discover", fromlist=["discover"]).discover

    def vanish(*a, **k):
        d = real(*a, **k)
        p.unlink()
        return d

    monkeypatch.setattr("deploylint.runner.discover", vanish)
    result = scan([tmp_path], Config(), cwd=tmp_path)
    assert result.internal_errors == []
    assert any("No such file" in f.message for f in result.findings)


# -- Helm templates and chat templates ----------------------------------------------------------


def test_helm_templates_are_skipped_with_a_reason(tmp_path):
    write(tmp_path, "chart/Chart.yaml", "apiVersion: v2\nname: x\nversion: 0.1.0\n")
    write(
        tmp_path,
        "chart/templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\n{{- if .Values.x }}\nspec: {{ toYaml .Values.spec"
        " | nindent 2 }}\n{{- end }}\n" + '{{ include "x" . }}\n' * 1000,
    )
    write(
        tmp_path,
        "other/templated.yaml",
        'image: "{{ .x }}"\nmodel: m\nargs:\n{{- range .Values.args }}\n  - {{ . }}\n{{- end }}\n',
    )
    out = scan_child(tmp_path)
    assert "Go template syntax" in out["files"]["chart/templates/deploy.yaml"]["skipped"]
    assert "Go template syntax" in out["files"]["other/templated.yaml"]["skipped"]
    assert messages(out) == []


_TEMPLATES_CHILD = textwrap.dedent(
    """
    import json, sys, tracemalloc
    from deploylint.templates.jinja_render import TemplateError, render

    cases = json.loads(sys.argv[1])
    out = {}
    for name, src in cases.items():
        tracemalloc.start()
        try:
            text = render(src, [{"role": "user", "content": "hi"}], time_limit=0.5)
            res = ["ok", len(text)]
        except TemplateError as e:
            res = [e.kind, e.message[:200]]
        except BaseException as e:
            res = ["CRASH", repr(e)[:500]]
        res.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        out[name] = res
    print(json.dumps(out))
    """
)

HOSTILE_TEMPLATES = {
    # sandbox escapes
    "mro": ("{{ ''.__class__.__mro__[1].__subclasses__() }}", {"security"}),
    "globals": ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", {"security"}),
    "format": ("{{ '{0.__class__.__mro__}'.format('') }}", {"security"}),
    "attr-filter": ("{{ (messages|attr('__class__')).__mro__ }}", {"security", "runtime", "ok"}),
    "namespace": (
        "{% set ns = namespace() %}{{ ns.__init__.__globals__ }}",
        {"runtime", "security"},
    ),
    "dict-mutation": ("{% set d = {} %}{{ d.update({'a': 1}) }}", {"security"}),
    # infinite loops and recursion
    "nested-ranges": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        {"timeout"},
    ),
    "macro-recursion": ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", {"runtime"}),
    "recursive-loop": (
        "{% for m in messages recursive %}{{ loop(messages) }}{% endfor %}",
        {"runtime"},
    ),
    "deep-expression": ("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", {"syntax"}),
    # gigabyte outputs
    "repeat": ("{{ 'a' * 1000000000 }}", {"output-limit"}),
    "output-loop": ("{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}", {"output-limit"}),
    "doubling": (
        "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}{% set ns.l = ns.l + ns.l %}"
        "{% endfor %}{{ ns.l|length }}",
        {"output-limit"},
    ),
    "join": ("{{ range(100000)|join('x' * 100000) }}", {"output-limit"}),
    "center": ("{{ ''|center(1000000000) }}", {"output-limit"}),
    "power": ("{{ (10 ** 100000)|string }}", {"output-limit", "runtime", "ok"}),
}


def test_hostile_chat_templates():
    """Rendered by deploylint.templates.jinja_render (the `render` command calls it)."""
    cases = {k: v[0] for k, v in HOSTILE_TEMPLATES.items()}
    p = subprocess.run(
        [sys.executable, "-c", _TEMPLATES_CHILD, json.dumps(cases)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    results = json.loads(p.stdout.strip().splitlines()[-1])
    for name, (_src, kinds) in HOSTILE_TEMPLATES.items():
        kind, detail, peak = results[name]
        assert kind in kinds, (name, kind, detail)
        assert peak < PEAK_LIMIT, (name, peak)


@pytest.mark.parametrize(
    "toml",
    [
        # found by the long fuzz run (scripts/fuzz_long.py, source:pyproject): Poetry's
        # dependencies written as a list crashed the pins source
        '[tool.poetry]\nname = "x"\ndependencies = ["vllm==0.6.0"]\n',
        'tool = 1\n[project]\nname = "x"\n',
        'project = "x"\n',
        '[project]\nname = "x"\ndependencies = {vllm = "0.6.0"}\n',
        '[project]\nname = "x"\noptional-dependencies = ["vllm==0.6.0"]\n',
        '[tool.poetry.dependencies]\nvllm = 6\nlmdeploy = ["0.5"]\nsglang = {version = 1}\n',
    ],
)
def test_pyproject_in_unexpected_shapes(tmp_path, toml):
    write(tmp_path, "pyproject.toml", toml)
    write(tmp_path, "serve.sh", "vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000\n")
    result = scan([tmp_path], Config(), cwd=tmp_path)
    assert result.internal_errors == []
    assert [ff for ff in result.project.files.values() if ff.launches]


def test_python_syntax_warnings_are_not_printed(tmp_path):
    """Found by the long fuzz run: ast.parse wrote the scanned file's SyntaxWarnings (invalid
    decimal literal, invalid escape sequence) to deploylint's stderr."""
    write(
        tmp_path,
        "app.py",
        'from openai import OpenAI\nx = 1if True else 2\np = "\\d+"\n'
        'OpenAI().chat.completions.create(model="m", messages=[])\n',
    )
    proc = subprocess.run(
        [sys.executable, "-W", "default", "-m", "deploylint", "scan", "--no-cache", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "SyntaxWarning" not in proc.stderr


# -- the generated hostile corpus (tests/hostile_corpus.py): the "Done when" ------------

from .hostile_corpus import (  # noqa: E402
    CASES,
    MEMORY_LIMIT,
    SECRET,
    TIME_LIMIT,
    bad_characters,
    dpl000_messages,
    run_case,
    shape_mutants,
)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_repository(name, tmp_path):
    """Scanned with the real command line in child processes: exits 0/1 (2 only for a usage
    error) with no internal error, each scan within TIME_LIMIT seconds and MEMORY_LIMIT bytes,
    nothing read or written outside the tree, no command run, no control character in text
    output, byte-identical JSON from two processes, and the DPL000 the case is about."""
    c = CASES[name]
    oc = run_case(c, tmp_path)
    assert oc.runs, oc.stderr[-2000:]
    for r in oc.runs:
        allowed = (2,) if c.usage_error else (0, 1)
        assert r["rc"] in allowed, (r, oc.stderr[-2000:])
        # The bound, in CPU time: what the scan does, whatever else the machine runs
        # (the wall clock is bounded by the child's hang guard and by scan-seconds).
        assert r["cpu"] < TIME_LIMIT, r
    for bad in ("internal error", "Traceback", "Warning:"):
        assert bad not in oc.stderr, oc.stderr[-2000:]
    if c.usage_error:
        assert "deploylint: error:" in oc.stderr
        return
    assert oc.maxrss < MEMORY_LIMIT, oc.maxrss
    assert oc.reads_outside == [], oc.reads_outside[:10]
    assert oc.writes_outside == [] and oc.outside_changed == [], (
        oc.writes_outside[:10],
        oc.outside_changed[:10],
    )
    assert not oc.marker
    if c.git:
        assert all("git" in args for _event, args in oc.commands), oc.commands
    else:
        assert oc.commands == []
    for fmt in ("text", "github", "gitlab"):
        if fmt in c.formats:
            text = oc.reports[fmt].decode("utf-8")  # strict: valid UTF-8 too
            assert bad_characters(text) == [], (fmt, bad_characters(text))
    for fmt, data in oc.reports.items():
        assert SECRET.encode() not in data, fmt
    assert oc.reports["json"] == oc.json_second
    json.loads(oc.reports["json"])
    messages = dpl000_messages(oc)
    for text in c.expect:
        assert any(text in m for m in messages), (text, messages[:20])
    for text in c.absent:
        assert not any(text in m for m in messages), (text, messages[:20])


def test_every_shape_mutant(tmp_path):
    """Every value of every JSON/YAML seed replaced by every wrong shape: no internal error, and
    a wrong shape is reported at its line. (In context, every 20th: the rules see them linked.)"""
    alone, together = tmp_path / "alone", tmp_path / "together"
    for name, text in shape_mutants(context=False):
        write(alone, name, text)
    for name, text in shape_mutants(step=20):
        write(together, name, text)
    for root in (alone, together):
        result = scan([root], Config(), cwd=root)
        assert result.internal_errors == [], result.internal_errors[0]
    shapes = [f for f in result.findings if f.code == "DPL000" and "should be" in f.message]
    assert shapes and all(f.loc.line is not None for f in shapes)
