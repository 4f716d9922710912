"""The scan-result cache (deploylint/result_cache.py): a second scan of an unchanged tree is served
from the cache with exactly the first scan's findings; any change a scan could see is a miss."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from deploylint import result_cache
from deploylint.cli import main
from deploylint.config import Config
from deploylint.runner import scan

from .conftest import TESTDATA


@pytest.fixture(autouse=True)
def _own_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("DEPLOYLINT_NO_CACHE", raising=False)
    monkeypatch.delenv("DEPLOYLINT_CACHE_DIR", raising=False)


def _keys(result):
    return [
        (f.code, f.path, f.loc.line, f.loc.col, f.message, f.fingerprint, f.evidence)
        for f in result.findings + result.suppressed
    ]


def _copy(case: str, dst: Path) -> Path:
    shutil.copytree(TESTDATA / "cases" / case / "repo", dst, symlinks=True)
    return dst


def _run(paths, cwd, cache_dir, **kw):
    return scan(
        paths, Config(), cwd=cwd, cache_dir=cache_dir, no_cache=True, result_cache=True, **kw
    )


@pytest.mark.parametrize(
    "case", ["compose-base-webui", "k8s-base-low-temp", "lmdeploy-qwen25vl-system"]
)
def test_second_scan_is_served_from_the_cache(tmp_path, case):
    root = _copy(case, tmp_path / "repo")
    plain = scan([root], Config(), cwd=root)
    first = _run([root], root, tmp_path / "c")
    second = _run([root], root, tmp_path / "c")
    assert first.cache_hits == 0 and first.cache_misses > 0 and first.project is not None
    assert second.cache_hits == first.cache_misses and second.project is None  # not parsed
    assert _keys(plain) == _keys(first) == _keys(second)
    assert plain.findings  # the cases have findings: the comparison means something


def test_edits_misses_and_touches_hit(tmp_path):
    root = _copy("shell-base-model", tmp_path / "repo")
    cache = tmp_path / "c"
    _run([root], root, cache)
    (script,) = [p for p in root.rglob("*.sh")]
    # touched, same content (a checkout): served by the content hash
    st = script.stat()
    os.utime(script, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert _run([root], root, cache).cache_hits > 0
    # edited: parsed again, and the findings are those of the new content
    script.write_text(script.read_text().replace("Llama-3.1-8B", "Llama-3.1-8B-Instruct"))
    again = _run([root], root, cache)
    assert again.cache_hits == 0
    assert _keys(again) == _keys(scan([root], Config(), cwd=root))
    # a file appears; a file disappears
    (root / "serve2.sh").write_text("vllm serve Qwen/Qwen2.5-7B --port 8001\n")
    assert _run([root], root, cache).cache_hits == 0
    assert _run([root], root, cache).cache_hits > 0
    (root / "serve2.sh").unlink()
    assert _run([root], root, cache).cache_hits == 0


def test_a_model_directory_outside_the_scanned_paths_is_watched(tmp_path):
    """Scanning one script: its model directory is read on demand, not scanned; a change there
    must still invalidate the cached result."""
    root = _copy("docker-run-local-base", tmp_path / "repo")
    script = root / "run_server.sh"
    cache = tmp_path / "c"
    first = _run([script], root, cache)
    assert _run([script], root, cache).cache_hits > 0
    tc = root / "weights" / "llama31-8b" / "tokenizer_config.json"
    data = json.loads(tc.read_text())
    data["chat_template"] = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    tc.write_text(json.dumps(data))
    changed = _run([script], root, cache)
    assert changed.cache_hits == 0
    assert _keys(changed) == _keys(scan([script], Config(), cwd=root))
    assert _keys(changed) != _keys(first)
    # the directory disappears
    shutil.rmtree(root / "weights")
    gone = _run([script], root, cache)
    assert gone.cache_hits == 0 and _keys(gone) == _keys(scan([script], Config(), cwd=root))


def test_selection_configuration_and_environment_are_part_of_the_key(tmp_path, monkeypatch):
    root = _copy("compose-base-webui", tmp_path / "repo")
    cache = tmp_path / "c"
    _run([root], root, cache)
    only = _run([root], root, cache, select=["DPL000"])
    assert only.cache_hits == 0 and only.findings == []
    r = scan(
        [root],
        Config(low_temperature=0.9),
        cwd=root,
        cache_dir=cache,
        no_cache=True,
        result_cache=True,
    )
    assert r.cache_hits == 0
    monkeypatch.setenv("HF_HOME", str(tmp_path / "other-hf"))
    assert _run([root], root, cache).cache_hits == 0


@pytest.mark.parametrize("damage", ["garbage", "edited", "truncated"])
def test_a_damaged_or_forged_result_is_ignored(tmp_path, damage):
    root = _copy("compose-base-webui", tmp_path / "repo")
    cache = tmp_path / "c"
    plain = _run([root], root, cache)
    (pack,) = (cache / "v1").glob("result-*.json")
    raw = pack.read_bytes()
    if damage == "garbage":
        pack.write_bytes(os.urandom(3000))
    elif damage == "edited":  # a planted finding change, without the key
        pack.write_bytes(raw.replace(b"DPL", b"DPX"))
    else:
        pack.write_bytes(raw[: len(raw) // 2])
    r = _run([root], root, cache)
    assert r.cache_hits == 0 and r.internal_errors == [] and _keys(r) == _keys(plain)


def test_the_recorder_sees_stat_open_and_listdir(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.json").write_text("{}")
    rec = result_cache.Recorder(())
    with result_cache.recording(rec):
        (tmp_path / "missing").exists()
        (tmp_path / "d" / "f.json").read_text()
        os.listdir(tmp_path / "d")
    assert os.stat is result_cache._real_stat  # restored
    modes = {(Path(p).name, m) for p, m in rec.probes}
    assert {("missing", "stat"), ("f.json", "open"), ("d", "list")} <= modes
    assert rec.probes[(str(tmp_path / "missing"), "stat")] is None


def test_cli_caches_by_default_and_no_cache_turns_it_off(tmp_path, monkeypatch, capsys):
    root = _copy("compose-base-webui", tmp_path / "repo")
    monkeypatch.chdir(root)
    assert main(["scan", "--format", "json", "."]) == 1
    first = capsys.readouterr().out
    assert list((root / ".deploylint_cache" / "v1").glob("result-*.json"))
    assert (root / ".deploylint_cache" / ".gitignore").read_text().strip().endswith("*")
    assert main(["scan", "--format", "json", "."]) == 1
    assert capsys.readouterr().out == first
    shutil.rmtree(root / ".deploylint_cache")
    assert main(["scan", "--no-cache", "--format", "json", "."]) == 1
    assert capsys.readouterr().out == first
    assert not (root / ".deploylint_cache").exists()


def test_a_scan_in_a_new_process_is_served_from_the_cache(tmp_path):
    """What the CLI does: each scan is a fresh process, with the default cache directory in the
    project root. Nothing the process does itself may look like a change of the tree: its own
    /proc entries (the memory limit reads them), the import system listing sys.path (the tree
    itself, for `python -m` run there), the cache directory the first scan made."""
    import subprocess
    import sys

    root = tmp_path / "repo"
    for i in range(40):  # enough files for the memory limit to read /proc while recording
        _copy("compose-base-webui", root / f"svc{i:02d}")
    code = (
        "from pathlib import Path\n"
        "from deploylint.config import Config\n"
        "from deploylint.runner import scan\n"
        "r = scan([Path('.')], Config(), cwd=Path('.'), result_cache=True, no_cache=True)\n"
        "print(r.cache_hits, r.cache_misses, len(r.findings))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}

    def run() -> list[int]:
        p = subprocess.run(
            [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
        )
        assert p.returncode == 0, p.stderr
        return [int(x) for x in p.stdout.split()]

    hits, misses, n = run()
    assert hits == 0 and misses > 0 and n > 0
    assert (root / ".deploylint_cache").is_dir()
    assert run() == [misses, 0, n]
