"""The per-file cache (deploylint/cache.py) and parallel parsing (runner.scan(jobs=…)).

A cached or parallel scan must give exactly what a plain scan gives; a changed file, a changed
dependency (a compose file's .env, appearing or changing) or another configuration must not be
served stale facts; a corrupted, foreign or forged cache must be ignored without an error.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import stat
from pathlib import Path

import pytest

from deploylint import cache as cache_mod
from deploylint.cache import FactCache, decode_facts, encode_facts
from deploylint.config import Config
from deploylint.discover import discover
from deploylint.jsonutil import JsonDoc
from deploylint.location import Aligner
from deploylint.runner import ScanResult, _parse_all, scan

from .conftest import CORPUS, TESTDATA


@pytest.fixture(autouse=True)
def _own_cache_home(tmp_path, monkeypatch):
    """The HMAC key goes to a temporary XDG cache home, never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("DEPLOYLINT_NO_CACHE", raising=False)
    monkeypatch.delenv("DEPLOYLINT_CACHE_DIR", raising=False)


def same(a, b, path="") -> None:
    """Deep equality of facts: dataclasses field by field, Aligner/JsonDoc by content."""
    assert type(a) is type(b), (path, type(a), type(b))
    if isinstance(a, Aligner):
        assert (a.path, a.text, a.start, a.end, a.value) == (
            b.path,
            b.text,
            b.start,
            b.end,
            b.value,
        )
    elif isinstance(a, JsonDoc):
        assert (a.path, a.text) == (b.path, b.text), path
        same(a.data, b.data, path + ".data")
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), path
    else:
        assert a == b, (path, a, b)


def _facts(*roots: Path):
    cfg = Config()
    d = discover(list(roots), cfg)
    return _parse_all(d.files, cfg, 1, ScanResult())


def _roots() -> list[Path]:
    roots = [TESTDATA / "cases", TESTDATA / "engines", TESTDATA / "examples"]
    if CORPUS.is_dir():
        roots.append(CORPUS)
    return [r for r in roots if r.is_dir()]


def test_codec_round_trip_on_real_facts():
    facts = _facts(*_roots())
    assert len(facts) > 100
    for ff in facts:
        data = json.loads(json.dumps(encode_facts(ff)))
        same(ff, decode_facts(data), str(ff.path))


def test_codec_keeps_shared_objects_shared():
    facts = [ff for ff in _facts(TESTDATA / "cases") if ff.launches]
    ff = decode_facts(json.loads(json.dumps(encode_facts(facts[0]))))
    launch = ff.launches[0]
    ids = {id(t) for t in launch.tokens}
    occ_tokens = [o.flag for occs in launch.args.options.values() for o in occs]
    assert occ_tokens and all(id(t) in ids for t in occ_tokens)


def test_codec_values():
    value = {
        "a": [1, 2.5, float("inf"), -math.inf, None, True, "x" * 100, "x" * 100],
        3: (1, "y"),
        "$dollar": {"k"},
        "p": Path("/a/b"),
    }
    back = decode_facts(json.loads(json.dumps(encode_facts(value))))
    assert back == value
    nan = decode_facts(json.loads(json.dumps(encode_facts(float("nan")))))
    assert math.isnan(nan)


@pytest.mark.parametrize(
    "hostile",
    [
        {"$c": ["os:system", ["echo pwned"]]},
        {"$c": ["builtins:eval", ["1"]]},
        {"$c": ["deploylint.runner:scan", []]},  # not a dataclass
        {"$c": ["deploylint.location:Loc.__init__.__globals__", []]},
        {"$c": ["deploylint.location:Loc", [1]]},  # wrong arity
        {"$o": 5},
        {"$r": 99},
        {"$zz": 1},
        {"$L": ["p", 1]},
    ],
)
def test_decoder_refuses_anything_else(hostile):
    with pytest.raises((ValueError, IndexError, TypeError, AttributeError, ImportError)):
        decode_facts({"s": [], "v": hostile})


def test_the_cache_module_never_unpickles():
    import ast

    tree = ast.parse(Path(cache_mod.__file__).read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not imported & {"pickle", "marshal", "shelve", "dill", "cloudpickle"}
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and hasattr(n.func, "id")}
    assert not calls & {"eval", "exec", "__import__"}


# -- scans with the cache ------------------------------------------------------------------------


def _keys(result):
    return [
        (f.code, f.path, f.loc.line, f.loc.col, f.message, f.fingerprint)
        for f in result.findings + result.suppressed
    ]


def _copy_tree(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst, symlinks=True)
    return dst


@pytest.mark.parametrize("case", ["compose-build-env", "k8s-base-low-temp", "compose-base-webui"])
def test_second_scan_is_served_from_the_cache_and_identical(tmp_path, case):
    root = _copy_tree(TESTDATA / "cases" / case / "repo", tmp_path / "repo")
    cache_dir = tmp_path / "cache"
    plain = scan([root], Config(), cwd=root)
    first = scan([root], Config(), cwd=root, cache_dir=cache_dir)
    second = scan([root], Config(), cwd=root, cache_dir=cache_dir)
    assert first.cache_hits == 0 and first.cache_misses > 0
    assert second.cache_misses == 0 and second.cache_hits == first.cache_misses
    assert _keys(plain) == _keys(first) == _keys(second)
    assert plain.internal_errors == second.internal_errors == []
    for path, ff in plain.project.files.items():
        same(ff, second.project.files[path], str(path))


def test_changes_are_noticed(tmp_path):
    root = tmp_path / "repo"
    (root / "docker").mkdir(parents=True)
    (root / "compose.yaml").write_text(
        "services:\n  llm:\n    build: {context: ., dockerfile: docker/Dockerfile}\n"
        "    image: acme/llm\n    command: [--model, '${MODEL:-Qwen/Qwen2.5-7B}']\n"
    )
    (root / "docker" / "Dockerfile").write_text("FROM vllm/vllm-openai:v0.6.0\n")
    (root / "serve.sh").write_text("vllm serve meta-llama/Llama-3.1-8B\n")
    cache_dir = tmp_path / "cache"

    def run():
        r = scan([root], Config(), cwd=root, cache_dir=cache_dir)
        compose = r.project.files[root / "compose.yaml"]
        model = compose.launches[0].args.value("model") if compose.launches else None
        return r, model

    r, model = run()
    assert model == "Qwen/Qwen2.5-7B" and r.cache_misses == 3
    r, model = run()
    assert r.cache_misses == 0
    # a .env that did not exist appears: the compose file is parsed again
    (root / ".env").write_text("MODEL=Qwen/Qwen2.5-7B-Instruct\n")
    r, model = run()
    assert model == "Qwen/Qwen2.5-7B-Instruct"
    assert r.cache_misses == 2  # compose.yaml and the new .env
    # the Dockerfile a compose service builds changes: the compose file is parsed again
    (root / "docker" / "Dockerfile").write_text("FROM vllm/vllm-openai:v0.7.0\n")
    r, _ = run()
    assert r.cache_misses == 2  # the Dockerfile and compose.yaml
    # a file changes: only it
    (root / "serve.sh").write_text("vllm serve meta-llama/Llama-3.1-8B-Instruct\n")
    r, _ = run()
    assert r.cache_misses == 1
    # another configuration: another cache
    r = scan([root], Config(max_file_size=1 << 20), cwd=root, cache_dir=cache_dir)
    assert r.cache_hits == 0


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "edited", "forged", "empty", "huge-nesting", "directory"],
)
def test_a_broken_or_foreign_cache_is_ignored(tmp_path, damage):
    root = _copy_tree(TESTDATA / "cases" / "compose-base-webui" / "repo", tmp_path / "repo")
    cache_dir = tmp_path / "cache"
    plain = scan([root], Config(), cwd=root)
    scan([root], Config(), cwd=root, cache_dir=cache_dir)
    (pack,) = (cache_dir / "v1").glob("*.json")
    raw = pack.read_bytes()
    if damage == "garbage":
        pack.write_bytes(os.urandom(5000))
    elif damage == "truncated":
        pack.write_bytes(raw[: len(raw) // 2])
    elif damage == "edited":
        pack.write_bytes(raw.replace(b"Qwen", b"Qwex"))
    elif damage == "forged":  # well-formed, signed with another key
        head, _, payload = raw.partition(b"\n")
        import hashlib
        import hmac

        payload = payload.replace(b"Qwen", b"Qwex")
        pack.write_bytes(hmac.new(b"k" * 32, payload, hashlib.sha256).hexdigest().encode())
        pack.write_bytes(pack.read_bytes() + b"\n" + payload)
    elif damage == "empty":
        pack.write_bytes(b"")
    elif damage == "huge-nesting":
        pack.write_bytes(b"x\n" + b"[" * 100_000)
    else:
        pack.unlink()
        pack.mkdir()
    second = scan([root], Config(), cwd=root, cache_dir=cache_dir)
    assert second.internal_errors == []
    assert second.cache_hits == 0
    assert _keys(second) == _keys(plain)


def test_key_file_is_private_and_cache_ignores_itself(tmp_path):
    root = _copy_tree(TESTDATA / "cases" / "compose-base-webui" / "repo", tmp_path / "repo")
    scan([root], Config(), cwd=root, no_cache=False)
    cache_dir = root / ".deploylint_cache"
    assert cache_dir.is_dir() and (cache_dir / ".gitignore").read_text().strip().endswith("*")
    key = tmp_path / "xdg" / "deploylint" / "hmac.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # the cache directory is never scanned
    again = scan([root], Config(), cwd=root, no_cache=False)
    assert not any(".deploylint_cache" in str(p) for p in again.project.files)


def test_no_cache_switches(tmp_path, monkeypatch):
    root = _copy_tree(TESTDATA / "cases" / "compose-base-webui" / "repo", tmp_path / "repo")
    scan([root], Config(), cwd=root)  # library default: no cache unless a directory is given
    assert not (root / ".deploylint_cache").exists()
    monkeypatch.setenv("DEPLOYLINT_NO_CACHE", "1")
    r = scan([root], Config(), cwd=root, no_cache=False, cache_dir=tmp_path / "c")
    assert r.cache_hits == r.cache_misses == 0 and not (tmp_path / "c").exists()


def test_unwritable_cache_directory_is_harmless(tmp_path):
    root = _copy_tree(TESTDATA / "cases" / "compose-base-webui" / "repo", tmp_path / "repo")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    r = scan([root], Config(), cwd=root, cache_dir=blocker / "cache")
    assert r.internal_errors == [] and r.findings


def test_cache_unused_without_a_key(tmp_path, monkeypatch):
    """No private place for the key (a read-only home): no cache rather than an unsigned one."""
    monkeypatch.setattr(cache_mod, "_hmac_key", lambda: None)
    root = _copy_tree(TESTDATA / "cases" / "compose-base-webui" / "repo", tmp_path / "repo")
    r = scan([root], Config(), cwd=root, cache_dir=tmp_path / "cache")
    assert r.cache_misses == 0 and not (tmp_path / "cache").exists()


def test_fact_cache_directly(tmp_path):
    fc = FactCache(tmp_path / "c", Config().digest_items())
    assert fc.enabled
    facts = _facts(TESTDATA / "cases" / "compose-base-webui")
    for ff in facts:
        fc.put(ff.path, ff.kind, "h", ff)
    fc.save()
    fc2 = FactCache(tmp_path / "c", Config().digest_items())
    for ff in facts:
        same(ff, fc2.get(ff.path, ff.kind, "h"))
        assert fc2.get(ff.path, ff.kind, "other") is None


# -- parallel parsing ----------------------------------------------------------------------------


def test_parallel_parse_is_identical():
    roots = _roots()
    serial = scan(roots, Config(), cwd=TESTDATA, jobs=1)
    parallel = scan(roots, Config(), cwd=TESTDATA, jobs=2)
    assert _keys(serial) == _keys(parallel)
    assert serial.internal_errors == parallel.internal_errors == []
    for path, ff in serial.project.files.items():
        same(ff, parallel.project.files[path], str(path))


def test_parallel_parse_reports_a_crashing_source(monkeypatch, tmp_path):
    from deploylint.sources import shell_script

    def boom(sf, facts):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(shell_script, "parse", boom)
    for i in range(4):
        (tmp_path / f"s{i}.sh").write_text("vllm serve m\n")
    r = scan([tmp_path], Config(), cwd=tmp_path, jobs=2)
    assert len(r.internal_errors) == 4
    assert all("ZeroDivisionError" in e for e in r.internal_errors)
