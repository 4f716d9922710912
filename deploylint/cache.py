"""Per-file cache of parse results (``FileFacts``), so that a second scan parses only what changed.

Key: the file's path, kind and content hash, the content hashes of the files it read while being
parsed (``FileFacts.deps``; absent ones included, so that a ``.env`` appearing is noticed), the
deploylint version and code, and the configuration (``Config.digest_items``). Only per-file facts
are cached; linking and rules always run, because they are about the whole project.

Format: JSON, never pickle. A cache directory inside a repository can be planted by whoever
writes to the repository, so:

* entries are authenticated with an HMAC whose key lives in the user's own cache directory
  (``$XDG_CACHE_HOME/deploylint/hmac.key``, mode 0600), never in the scanned tree: a planted or
  edited cache fails verification and is ignored (a fresh CI machine never trusts a checked-in
  cache);
* decoding builds only plain data and dataclasses defined in deploylint's own modules (no
  ``__init__``/``__post_init__`` runs), through a bounded read; any error → the cache is ignored.

Layout: ``<cache dir>/v1/<salt>.json``, one pack per deploylint build and configuration, holding
an entry per scanned file; written atomically after a scan that changed it. The cache directory is
``.deploylint_cache/`` in the project root (already excluded from scans and git-ignored), or
``$XDG_CACHE_HOME/deploylint`` when that is not writable; ``DEPLOYLINT_CACHE_DIR`` or the
``cache_dir`` argument of ``runner.scan`` name another.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import math
import os
import sys
import tempfile
from importlib import import_module
from pathlib import Path
from typing import Any

from . import __version__, safefs
from .location import Aligner, Loc, read_bytes
from .safefs import owned_real_dir

FORMAT = 1
#: Largest cache pack read back (bytes); a larger one is ignored.
MAX_PACK = 1 << 30
#: Most files one pack remembers.
MAX_ENTRIES = 500_000
_HASH = hashlib.blake2b


class Unencodable(TypeError):
    """A value the codec does not know: the file is simply not cached."""


# -- the codec -------------------------------------------------------------------------------------
#
# JSON values stay as they are; everything else is a one-key object:
#   {"$c": [type, [field values…]]}  a dataclass (type "module:Qualname", deploylint modules only)
#   {"$o": n}                        the n-th object already decoded (identity is preserved)
#   {"$L": [path, line, col, end_line, end_col]}   a Loc
#   {"$A": [path, text, start, end, value]}         an Aligner (sub-aligners share the text)
#   {"$J": [path, text, data]}                      a jsonutil.JsonDoc
#   {"$p": path}  {"$t": [..]}  {"$s": [..]}  {"$m": [[k, v]…]}  {"$f": "nan"|"inf"|"-inf"}
#   {"$r": n}                        the n-th string of the entry's string table (long strings)

_LONG = 24  # strings at least this long go to the string table (file texts, paths, messages)


class _Encoder:
    def __init__(self) -> None:
        self.strings: list[str] = []
        self._string_index: dict[str, int] = {}
        self._objects: dict[int, int] = {}
        self._keep: list[Any] = []  # keep encoded objects alive: ids must not be reused

    def string(self, s: str) -> Any:
        if len(s) < _LONG:
            return s
        i = self._string_index.get(s)
        if i is None:
            i = self._string_index[s] = len(self.strings)
            self.strings.append(s)
        return {"$r": i}

    def shared(self, obj: Any) -> dict | None:
        n = self._objects.get(id(obj))
        if n is not None:
            return {"$o": n}
        self._objects[id(obj)] = len(self._objects)
        self._keep.append(obj)
        return None

    def enc(self, v: Any) -> Any:
        t = type(v)
        if t is str:
            return self.string(v)
        if v is None or t is bool or t is int:
            return v
        if t is float:
            if math.isfinite(v):
                return v
            return {"$f": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}
        if t is list:
            return [self.enc(x) for x in v]
        if t is Loc:
            return {"$L": [self.path(v.path), v.line, v.col, v.end_line, v.end_col]}
        if isinstance(v, Path):
            return {"$p": self.string(os.fspath(v))}
        if t is dict:
            if all(type(k) is str and not k.startswith("$") for k in v):
                return {k: self.enc(x) for k, x in v.items()}
            return {"$m": [[self.enc(k), self.enc(x)] for k, x in v.items()]}
        if t is tuple:
            return {"$t": [self.enc(x) for x in v]}
        if t is set or t is frozenset:
            return {"$s": [self.enc(x) for x in v]}
        ref = self.shared(v)
        if ref is not None:
            return ref
        if t is Aligner:
            return {
                "$A": [self.path(v.path), self.string(v.text), v.start, v.end, self.enc(v.value)]
            }
        from .jsonutil import JsonDoc

        if t is JsonDoc:
            return {"$J": [self.path(v.path), self.string(v.text), self.enc(v.data)]}
        if dataclasses.is_dataclass(v) and _allowed(t):
            name = f"{t.__module__}:{t.__qualname__}"
            return {"$c": [name, [self.enc(getattr(v, f.name)) for f in _fields(t)]]}
        raise Unencodable(f"cannot cache a {t.__module__}.{t.__qualname__}")

    def path(self, p: Path) -> Any:
        return self.string(os.fspath(p))


class _Decoder:
    def __init__(self, strings: list[str]) -> None:
        self.strings = strings
        self.objects: list[Any] = []
        self._paths: dict[str, Path] = {}

    def string(self, v: Any) -> str:
        if type(v) is str:
            return v
        if type(v) is dict and "$r" in v:
            return self.strings[v["$r"]]
        raise ValueError("not a string")

    def path(self, v: Any) -> Path:
        s = self.string(v)
        p = self._paths.get(s)
        if p is None:
            p = self._paths[s] = Path(s)
        return p

    def dec(self, v: Any) -> Any:
        t = type(v)
        if t is list:
            return [self.dec(x) for x in v]
        if t is not dict:
            if v is None or t in (str, int, float, bool):
                return v
            raise ValueError("unexpected value")
        if len(v) != 1:
            return {k: self.dec(x) for k, x in v.items()}
        ((tag, body),) = v.items()
        if not tag.startswith("$"):
            return {tag: self.dec(body)}
        if tag == "$r":
            return self.strings[body]
        if tag == "$L":
            path, line, col, end_line, end_col = body
            loc = object.__new__(Loc)  # frozen: fill its __dict__ directly
            loc.__dict__.update(
                path=self.path(path), line=line, col=col, end_line=end_line, end_col=end_col
            )
            return loc
        if tag == "$p":
            return self.path(body)
        if tag == "$o":
            return self.objects[body]
        if tag == "$m":
            return {self.dec(k): self.dec(x) for k, x in body}
        if tag == "$t":
            return tuple(self.dec(x) for x in body)
        if tag == "$s":
            return {self.dec(x) for x in body}
        if tag == "$f":
            return float(body)
        if tag == "$A":
            path, text, start, end, value = body
            al = Aligner(self.path(path), self.string(text), start, end, "")
            self.objects.append(al)
            al.value = self.dec(value)
            return al
        if tag == "$J":
            from .jsonutil import JsonDoc

            path, text, data = body
            doc = JsonDoc(self.path(path), self.string(text), None)
            self.objects.append(doc)
            doc.data = self.dec(data)
            return doc
        if tag == "$c":
            name, values = body
            cls = _resolve(name)
            obj = cls.__new__(cls)
            self.objects.append(obj)
            names = _names(cls)
            if len(values) != len(names):
                raise ValueError(f"{name}: {len(values)} values for {len(names)} fields")
            decoded = [self.dec(x) for x in values]
            if hasattr(obj, "__dict__"):
                obj.__dict__.update(zip(names, decoded, strict=True))
            else:
                for n, x in zip(names, decoded, strict=True):
                    object.__setattr__(obj, n, x)
            return obj
        raise ValueError(f"unknown tag {tag}")


_FIELDS: dict[type, tuple[dataclasses.Field, ...]] = {}
_NAMES: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    n = _NAMES.get(cls)
    if n is None:
        n = _NAMES[cls] = tuple(f.name for f in _fields(cls))
    return n


def _fields(cls: type) -> tuple[dataclasses.Field, ...]:
    f = _FIELDS.get(cls)
    if f is None:
        f = _FIELDS[cls] = dataclasses.fields(cls)
    return f


def _allowed(cls: type) -> bool:
    return cls.__module__ == "deploylint" or cls.__module__.startswith("deploylint.")


_TYPES: dict[str, type] = {}


def _resolve(name: str) -> type:
    """A dataclass of deploylint's own modules by "module:Qualname" (nothing else)."""
    cls = _TYPES.get(name)
    if cls is not None:
        return cls
    module, _, qualname = name.partition(":")
    if not (module == "deploylint" or module.startswith("deploylint.")) or not qualname:
        raise ValueError(f"type outside deploylint: {name}")
    if not all(part.isidentifier() for part in module.split(".") + qualname.split(".")):
        raise ValueError(f"bad type name: {name}")
    mod = sys.modules.get(module) or import_module(module)
    obj: Any = mod
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and dataclasses.is_dataclass(obj)):
        raise ValueError(f"not a dataclass: {name}")
    _TYPES[name] = obj
    return obj


def encode_facts(facts: Any) -> dict:
    """A FileFacts (or any supported value) as JSON data; raises Unencodable."""
    enc = _Encoder()
    value = enc.enc(facts)
    return {"s": enc.strings, "v": value}


def decode_facts(data: dict) -> Any:
    strings = data["s"]
    if not isinstance(strings, list) or not all(isinstance(s, str) for s in strings):
        raise ValueError("bad string table")
    return _Decoder(strings).dec(data["v"])


# -- the cache ---------------------------------------------------------------------------------


def content_hash(data: bytes) -> str:
    return _HASH(data, digest_size=16).hexdigest()


def _code_digest() -> str:
    """deploylint's version and the size and mtime of each of its files: a cache written by
    other code (an upgrade, an edited checkout) is not used."""
    h = _HASH(digest_size=16)
    h.update(f"{__version__}|{FORMAT}|{sys.version_info[:2]}".encode())
    root = Path(__file__).resolve().parent
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".py", ".json", ".yaml", ".md")):
                try:
                    st = os.stat(os.path.join(dirpath, name))
                except OSError:
                    continue
                h.update(f"{dirpath}/{name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _user_cache_home() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "deploylint"
    return Path.home() / ".cache" / "deploylint"


def _hmac_key() -> bytes | None:
    """The user's secret (created on first use); None when it cannot be read or made."""
    try:
        home = _user_cache_home()
        path = home / "hmac.key"
        try:
            key = read_bytes(path, 4096, trusted=True)  # the user's own cache home
            if len(key) >= 32:
                return key
        except OSError:
            pass
        home.mkdir(parents=True, exist_ok=True)
        key = os.urandom(32)
        fd, tmp = tempfile.mkstemp(dir=home, prefix=".hmac.")
        try:
            os.write(fd, key)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # never replace a key another process has just made
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        key = read_bytes(path, 4096, trusted=True)
        return key if len(key) >= 32 else None
    except (OSError, RuntimeError, ValueError):
        return None


def default_dir(root: Path) -> Path:
    """``$DEPLOYLINT_CACHE_DIR``, else ``.deploylint_cache/`` in the project root, else the
    user's cache home. A ``.deploylint_cache`` that is there but is not a directory of this
    user's own (a symlink planted in the repository, a file) is never used (safefs.py)."""
    env = os.environ.get("DEPLOYLINT_CACHE_DIR")
    if env:
        return Path(env)
    local = root / ".deploylint_cache"
    if os.access(root, os.W_OK):
        if not os.path.lexists(local):
            return local
        if owned_real_dir(local) and os.access(local, os.W_OK):
            return local
    return _user_cache_home()


class FactCache:
    """The per-file cache of one scan: ``get`` before parsing a file, ``put`` after, ``save`` at
    the end. Every failure to read or write it is silent (the scan just parses)."""

    def __init__(self, directory: Path, config_digest: Any) -> None:
        self.directory = Path(directory)
        self.key = _hmac_key()
        salt = _HASH(digest_size=16)
        salt.update(_code_digest().encode())
        salt.update(repr(config_digest).encode())
        salt.update(os.environ.get("HOME", "").encode())  # `~` in compose volumes
        self.pack = self.directory / f"v{FORMAT}" / f"{salt.hexdigest()}.json"
        self.entries: dict[str, Any] | None = None
        self.fresh: dict[str, Any] = {}
        self.dirty = False
        self.hits = 0
        self.misses = 0
        self._dep_hashes: dict[str, str | None] = {}

    @property
    def enabled(self) -> bool:
        return self.key is not None

    def _load(self) -> dict[str, Any]:
        if self.entries is None:
            self.entries = {}
            data = read_signed(self.pack)
            if isinstance(data, dict) and data.get("format") == FORMAT:
                entries = data.get("entries")
                if isinstance(entries, dict):
                    self.entries = entries
        return self.entries

    def dep_hash(self, path: str) -> str | None:
        h = self._dep_hashes.get(path, "")
        if h == "":
            try:
                h = content_hash(read_bytes(Path(path)))
            except (OSError, ValueError):
                h = None
            self._dep_hashes[path] = h
        return h

    def get(self, path: Path, kind: str, digest: str) -> Any | None:
        if not self.enabled:
            return None
        name = os.fspath(path)
        entry = self._load().get(name)
        try:
            if entry is None or entry["h"] != digest or entry["k"] != kind:
                self.misses += 1
                return None
            for dep, h in entry["d"]:
                if self.dep_hash(dep) != h:
                    self.misses += 1
                    return None
            facts = decode_facts(entry["f"])
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError):
            self.misses += 1
            return None
        self.fresh[name] = entry
        self.hits += 1
        return facts

    def put(self, path: Path, kind: str, digest: str, facts: Any) -> None:
        if not self.enabled:
            return
        try:
            encoded = encode_facts(facts)
        except (Unencodable, RecursionError):
            return
        deps = []
        for dep in dict.fromkeys(os.fspath(d) for d in getattr(facts, "deps", ())):
            deps.append([dep, self.dep_hash(dep)])
        self.fresh[os.fspath(path)] = {"h": digest, "k": kind, "d": deps, "f": encoded}
        self.dirty = True

    def save(self) -> None:
        """Write the pack when this scan parsed anything (entries of files it did not see are
        kept, up to ``MAX_ENTRIES``)."""
        if not self.enabled or not self.dirty:
            return
        entries = {k: v for k, v in self._load().items() if k not in self.fresh}
        if len(entries) + len(self.fresh) > MAX_ENTRIES:
            entries = {}
        entries.update(self.fresh)
        try:
            write_signed(self.directory, self.pack, {"format": FORMAT, "entries": entries})
        except (OSError, ValueError, TypeError, RecursionError, UnicodeError):
            pass


def write_signed(directory: Path, path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` (``directory/vN/NAME``), atomically, preceded by a
    line holding its HMAC. Never through a symlink: the cache directory and ``vN`` are opened
    with ``O_NOFOLLOW`` (a symlink there is refused), the file is a fresh ``O_EXCL`` temporary
    renamed into place (safefs.py). Raises OSError (no key: nothing is written)."""
    key = _hmac_key()
    if key is None:
        raise OSError("no cache key")
    payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8", "surrogatepass"
    )
    signed = hmac.new(key, payload, hashlib.sha256).hexdigest().encode("ascii") + b"\n" + payload
    if path.parent.parent != directory:
        raise OSError(f"cache file {path} is not at {directory}/vN/")
    os.makedirs(directory.parent, exist_ok=True)  # the project root, or the user's cache home
    top = safefs.open_dir(directory, create=True)
    try:
        _gitignore_at(top)
        sub = safefs.open_subdir(top, path.parent.name, create=True)
        try:
            safefs.replace_file(sub, path.name, signed)
        finally:
            os.close(sub)
    finally:
        os.close(top)


def read_signed(path: Path) -> Any:
    """The JSON written by ``write_signed`` at ``path``; None when it is missing, unreadable,
    too large, behind a symlink, or not signed with this user's key."""
    key = _hmac_key()
    if key is None:
        return None
    try:
        top = safefs.open_dir(path.parent.parent)
        try:
            sub = safefs.open_subdir(top, path.parent.name)
            try:
                raw = safefs.read_nofollow(sub, path.name, MAX_PACK)
            finally:
                os.close(sub)
        finally:
            os.close(top)
        head, _, payload = raw.partition(b"\n")
        mac = hmac.new(key, payload, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(head.decode("ascii"), mac):
            return None
        return json.loads(payload)
    except (OSError, ValueError, RecursionError, UnicodeError):
        return None


def _gitignore_at(dir_fd: int) -> None:
    """A cache directory ignores itself (as ruff's does), wherever it is put. An existing
    ``.gitignore`` (or a symlink planted there) is left alone, never written through."""
    try:
        safefs.write_new(dir_fd, ".gitignore", b"# created by deploylint\n*\n", mode=0o644)
    except OSError:
        pass
