"""The scan-result cache: a second scan of an unchanged tree reuses the first one's findings.

Why the result, not only per-file facts: measured on the replicated corpus (docs/performance.md),
rebuilding a file's facts from a per-file cache costs about as much as parsing the file again, and
linking and rules (which read the whole project) are half of a scan. So the CLI caches the
*result* of a scan and checks, file by file, that nothing it depended on changed:

* every scanned file: its size and modification time, else its **content hash** (a file touched
  without a change, e.g. by ``git checkout``, still hits);
* the set of scanned and skipped files (a new or removed file misses);
* every other path the scan looked at while parsing, linking and running rules — model
  directories outside the tree, the Hugging Face cache, a ``.env`` beside a compose file, a
  ``--config`` file — recorded while the scan runs (``os.stat``/``os.lstat`` calls, and the
  ``open``/``os.listdir``/``os.scandir`` audit events) with what it found there: whether it
  existed, its type, size and modification time (a directory's changes when an entry is added or
  removed);
* the key: deploylint's code (version and the files of the package), the configuration, the rule
  selection, the scan roots and working directory, and the environment variables the linker
  reads.

Anything different: the scan runs in full and the cache is rewritten. Storage and trust are those
of ``cache.py``: JSON, never pickle, authenticated with an HMAC whose key never lives in the
scanned tree; an unreadable, forged or foreign cache is ignored.
"""

from __future__ import annotations

import hashlib
import os
import stat as stat_mod
import sys
from pathlib import Path
from typing import Any

#: The cache directory a scan makes in the project root (cache.default_dir).
CACHE_DIR_NAME = ".deploylint_cache"

FORMAT = 1
#: Environment variables whose value can change a scan's result.
ENV_KEYS = ("HOME", "HF_HOME", "HF_HUB_CACHE", "XDG_CACHE_HOME")
#: Most recorded paths kept; a scan that looks at more is not cached.
MAX_PROBES = 200_000

_real_stat = os.stat
_real_lstat = os.lstat


# -- recording what the scan looks at ----------------------------------------------------------


class Recorder:
    """Paths looked at while it is active: ``{(path, mode): signature}``."""

    def __init__(
        self,
        ignore_prefixes: tuple[str, ...],
        known: set[str] | None = None,
        ignore_dirs: tuple[Path, ...] = (),
    ) -> None:
        self.probes: dict[tuple[str, str], Any] = {}
        self.overflow = False
        # deploylint's cache directories: written by the scan itself, never its input
        dirs = [os.path.abspath(d) for d in ignore_dirs]
        self._ignore = ignore_prefixes + tuple(d + os.sep for d in dirs)
        self._ignore_dirs = frozenset(dirs)
        self._known = known or set()  # the scanned files: checked on their own

    def note(self, path: Any, mode: str) -> None:
        if isinstance(path, int):
            return  # a file descriptor: its file was recorded when it was opened
        try:
            name = os.fsdecode(os.fspath(path))
        except (TypeError, ValueError):
            return
        if not name or name.startswith(self._ignore):
            return  # (most ignored names are absolute already: no abspath for them)
        name = os.path.abspath(name)
        if name in self._ignore_dirs or name.startswith(self._ignore):
            return
        if name in self._known and mode != "lstat":
            return
        key = (name, mode)
        if key in self.probes:
            return
        if len(self.probes) >= MAX_PROBES:
            self.overflow = True
            return
        self.probes[key] = None  # placeholder: signature() itself lists and opens
        self.probes[key] = signature(name, mode)


_active: Recorder | None = None
_hook_installed = False


def signature(path: str, mode: str = "stat") -> Any:
    """What a path is now, as the scan could see it through ``mode``: None (absent or
    unreadable), else for "stat"/"lstat"/"open" [file type, size, mtime_ns] of a file and
    [file type] of a directory (its own changes are not what a lookup through it saw), for "list"
    a digest of the sorted names in the directory."""
    try:
        if mode == "list":
            # deploylint's own cache directory (made by the first scan) is not what a listing
            # looked for
            names = sorted(n for n in os.listdir(path) if n != CACHE_DIR_NAME)
            return hashlib.blake2b("\0".join(names).encode("utf-8", "surrogatepass")).hexdigest()
        st = _real_lstat(path) if mode == "lstat" else _real_stat(path)
    except (OSError, ValueError):
        return None
    kind = stat_mod.S_IFMT(st.st_mode)
    if kind == stat_mod.S_IFDIR:
        return [kind]
    return [kind, st.st_size, st.st_mtime_ns]


def _stat(path, *args, **kwargs):
    rec = _active
    if rec is not None and not args and not kwargs.get("dir_fd"):
        rec.note(path, "stat" if kwargs.get("follow_symlinks", True) else "lstat")
    return _real_stat(path, *args, **kwargs)


def _lstat(path, *args, **kwargs):
    rec = _active
    if rec is not None and not args and not kwargs.get("dir_fd"):
        rec.note(path, "lstat")
    return _real_lstat(path, *args, **kwargs)


def _audit(event: str, args: tuple) -> None:
    rec = _active
    if rec is None:
        return
    if not args:
        return
    if event == "open":
        rec.note(args[0], "open")
    elif event in ("os.listdir", "os.scandir"):
        if _from_import_system():
            return  # importlib listing a directory of sys.path: an import, not a scan input
        rec.note(args[0] if args[0] is not None else ".", "list")


def _from_import_system() -> bool:
    """Whether the listing in progress is the import system filling its path cache
    (importlib's FileFinder._fill_cache), two frames above this hook."""
    try:
        frame = sys._getframe(2)
    except ValueError:
        return False
    return frame.f_code.co_name == "_fill_cache" and "importlib" in frame.f_code.co_filename


class recording:
    """``with recording(rec):`` — record into ``rec`` (one recorder at a time)."""

    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    def __enter__(self) -> Recorder:
        global _active, _hook_installed
        if not _hook_installed:
            sys.addaudithook(_audit)  # cannot be removed; inert while no recorder is active
            _hook_installed = True
        _active = self.rec
        os.stat, os.lstat = _stat, _lstat
        return self.rec

    def __exit__(self, *exc: object) -> None:
        global _active
        _active = None
        os.stat, os.lstat = _real_stat, _real_lstat


def ignored_prefixes() -> tuple[str, ...]:
    """deploylint's own files, the Python installation and the process's own /proc entries:
    looked at (imports, data files, memory limits) but covered by the code digest or not the
    scan's business."""
    here = str(Path(__file__).resolve().parent)
    # /proc/self: the process's own state (budget.py reads its mapped memory), not an input
    prefixes = {here + os.sep, "/proc/self/"}
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        if p and p != os.sep:
            prefixes.add(os.path.abspath(p) + os.sep)
    return tuple(sorted(prefixes))


# -- the cache file ----------------------------------------------------------------------------


class ResultCache:
    """One cached scan result per key (``get`` before a scan, ``put`` after)."""

    def __init__(self, directory: Path, key_items: Any) -> None:
        from .cache import _code_digest, _hmac_key

        self.directory = Path(directory)
        self.key = _hmac_key()
        h = hashlib.blake2b(digest_size=16)
        h.update(_code_digest().encode())
        h.update(repr(key_items).encode())
        h.update(repr([(k, os.environ.get(k)) for k in ENV_KEYS]).encode())
        self.path = self.directory / f"v{FORMAT}" / f"result-{h.hexdigest()}.json"

    @property
    def enabled(self) -> bool:
        return self.key is not None

    def get(self, files: list[list[Any]], skipped: list[list[Any]]) -> Any | None:
        """The cached result when the tree is unchanged: ``files`` is ``[[path, kind, size,
        mtime_ns], …]`` from discovery, ``skipped`` ``[[path, reason], …]``."""
        if not self.enabled:
            return None
        from .cache import decode_facts, read_signed

        data = read_signed(self.path)
        try:
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                return None
            if data["skipped"] != skipped or len(data["files"]) != len(files):
                return None
            for now, (path, kind, size, mtime, digest) in zip(files, data["files"], strict=True):
                if now[0] != path or now[1] != kind:
                    return None
                if now[2] == size and now[3] == mtime:
                    continue
                if digest is None or _file_hash(path) != digest:
                    return None
            for path, mode, sig in data["probes"]:
                if signature(path, mode) != sig:
                    return None
            return decode_facts(data["result"])
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None
        except RecursionError:
            return None

    def put(
        self, files: list[list[Any]], skipped: list[list[Any]], rec: Recorder, result: Any
    ) -> None:
        """Save ``result``. Not saved when a scanned file changed while it was scanned."""
        if not self.enabled or rec.overflow:
            return
        from .cache import Unencodable, encode_facts, write_signed

        try:
            rows = []
            for path, kind, size, mtime in files:
                sig = signature(path)
                if sig is None or sig[1:] != [size, mtime]:
                    return  # changed during the scan: what was read is not what is there now
                rows.append([path, kind, size, mtime, _file_hash(path)])
            probes = [[p, mode, sig] for (p, mode), sig in sorted(rec.probes.items())]
            write_signed(
                self.directory,
                self.path,
                {
                    "format": FORMAT,
                    "files": rows,
                    "skipped": skipped,
                    "probes": probes,
                    "result": encode_facts(result),
                },
            )
        except (OSError, ValueError, TypeError, RecursionError, UnicodeError, Unencodable):
            pass


def _file_hash(path: str) -> str | None:
    h = hashlib.blake2b(digest_size=16)
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()
