#!/usr/bin/env python3
"""Snapshot vLLM's ``vllm serve`` command line, per release, into ``deploylint/data/vllm_cli.json``.

For each release the **sdist** from PyPI (the wheel when a release has no sdist) is downloaded
into a cache directory outside the repository and read **statically**: nothing of vLLM is
imported, built or executed.  Python files are parsed with :mod:`ast` and a small abstract
interpreter walks the functions that build the argument parser:

* ``make_arg_parser`` (``vllm/entrypoints/{openai,launchers,common}/cli_args.py``), which adds
  the frontend options (old releases: explicit ``add_argument`` calls; newer: the ``FrontendArgs``
  dataclass through ``get_kwargs``) and calls ``AsyncEngineArgs.add_cli_args``;
* ``EngineArgs.add_cli_args`` (``vllm/engine/arg_utils.py``): explicit ``add_argument`` calls and,
  from 0.8.x, ``**get_kwargs(SomeConfig)["field"]`` where ``get_kwargs`` turns the config
  dataclass field's *type* into argparse kwargs.  ``get_kwargs`` itself is not run: its
  ``if/elif`` chain over the type hints is read from the release's own source and re-applied to
  the field annotations (``bool`` -> ``BooleanOptionalAction``; ``list[...]``/``tuple[..., ...]``
  /``set[...]`` -> ``nargs="+"``; ``Literal`` -> ``choices`` (``metavar`` when ``str`` is also
  allowed); ``bool | str | None`` -> ``nargs="?"``; ``None`` -> ``optional_type``).  The simple
  branches (``int``/``float``/``dict``/``str``) are executed by the interpreter, so a release's
  own ``type=`` functions are recorded.  An unknown predicate in that chain aborts the snapshot.
* the ``vllm serve`` sub-parser (``vllm/scripts.py`` ``main`` or
  ``vllm/entrypoints/cli/serve.py`` ``subparser_init``), found through the ``vllm`` console
  script declared in ``setup.py`` / ``pyproject.toml``;
* ``FlexibleArgumentParser.parse_args`` (``vllm/utils.py`` / ``vllm/utils/argparse_utils.py``):
  which rewrites it does before argparse sees the words (``--flag_name``, ``-O3``, dotted JSON
  keys ``--x.y v``, ``--x.y+ v``, ``--config`` YAML, ``vllm serve --model M`` moved to the
  positional) is detected from the release's source;
* the ``vllm-openai`` stage's ``ENTRYPOINT`` in ``Dockerfile`` / ``docker/Dockerfile``.

Everything the interpreter cannot determine is left ``null`` with the expression text; facts
that had to be hand-encoded are in ``HAND_ENCODED`` below, each with the reason and its source.

Downloads: the PEP 691 JSON page of the PyPI simple index (the index pip itself reads) gives the
file URL and sha256; the file is fetched from files.pythonhosted.org and its hash checked.
``pip download --no-binary :all:`` is *not* used by default because pip prepares an sdist's
metadata by running its build backend -- for vLLM that means executing ``setup.py`` and building
``torch`` from source as a build dependency.  ``--downloader pip`` is available for a wheel.

Usage::

    python scripts/snapshot_vllm_cli.py                    # every release >= 0.4.3 -> the JSON
    python scripts/snapshot_vllm_cli.py --quick            # only a representative set
    python scripts/snapshot_vllm_cli.py --versions 0.8.5 0.9.2 --dump   # print one table
    python scripts/snapshot_vllm_cli.py --check            # exit 1 if the data file is stale
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deploylint.versions import V  # noqa: E402

DEFAULT_OUT = ROOT / "deploylint" / "data" / "vllm_cli.json"
DEFAULT_CACHE = Path(os.environ.get("VLLM_SDIST_CACHE", "/tmp/vllm-sdists"))
INDEX_URL = "https://pypi.org/simple/vllm/"
MIN_VERSION = "0.4.3"

# By default every release >= MIN_VERSION is read, so that ``since``/``until`` are exact.
# ``--quick`` reads only this representative set (0.4.3 ... 0.11.0 and later releases up to
# the newest), widened with the releases where a tracked fact changes.
QUICK_VERSIONS = [
    "0.4.3", "0.5.0", "0.5.5", "0.6.0", "0.6.3.post1", "0.6.4", "0.6.5", "0.6.6", "0.7.0",
    "0.7.3", "0.8.0", "0.8.4", "0.8.5", "0.9.0", "0.9.2", "0.10.0", "0.10.1", "0.10.2",
    "0.11.0", "0.11.1", "0.11.2", "0.12.0", "0.13.0", "0.14.0", "0.16.0", "0.17.0", "0.20.0",
    "0.21.0", "0.23.0", "0.26.0", "0.29.0", "0.31.0", "0.33.0",
]  # fmt: skip

# ------------------------------------------------------------------------------------------
# Hand-encoded facts (static extraction cannot see them), each with its reason and source.
# ------------------------------------------------------------------------------------------
HAND_ENCODED: dict[str, dict[str, Any]] = {
    # The sdists of 0.4.3 .. 0.6.1.post2 do not ship the Dockerfile.  The repository's Dockerfile
    # of that period (code index: vllm-project/vllm Dockerfile @
    # 01da4491562af4f9d62fa831aec6125089370942, a mid-2024 commit: requirements-mamba.txt,
    # flashinfer v0.0.9 wheel) ends its ``vllm-openai`` stage with this ENTRYPOINT, and so does
    # the first sdist that ships the file (0.6.2).  Not confirmed per release tag.
    "dockerfile_entrypoint_without_dockerfile": {
        "value": ["python3", "-m", "vllm.entrypoints.openai.api_server"],
        "source": "vllm-project/vllm Dockerfile @ 01da4491562a (vllm-openai stage ENTRYPOINT); "
        "not shipped in this sdist",
    },
    # argparse's allow_abbrev: used when no file of the release mentions allow_abbrev (checked
    # per release in snapshot()); argparse's default (True) then applies: an unambiguous prefix
    # of a long option is accepted (``--max-model 4096``).  Python docs,
    # argparse.ArgumentParser(allow_abbrev=True).
    "allow_abbrev": {
        "value": True,
        "source": "argparse default; the release's vllm/**/*.py never mention allow_abbrev",
    },
}


# ------------------------------------------------------------------------------------------
# Downloading
# ------------------------------------------------------------------------------------------
@dataclass
class Dist:
    version: str
    path: Path
    filename: str
    sha256: str
    kind: str  # "sdist" | "wheel"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_index_cache: dict[str, Any] | None = None


def _index(cache: Path) -> dict[str, Any]:
    global _index_cache
    if _index_cache is None:
        req = urllib.request.Request(
            INDEX_URL, headers={"Accept": "application/vnd.pypi.simple.v1+json"}
        )
        with urllib.request.urlopen(req, timeout=120) as r:
            _index_cache = json.load(r)
        (cache / "simple.json").write_text(json.dumps(_index_cache))
    return _index_cache


def fetch(version: str, cache: Path, downloader: str = "index") -> Dist:
    cache.mkdir(parents=True, exist_ok=True)
    sdist = cache / f"vllm-{version}.tar.gz"
    files = None
    if not sdist.exists():
        files = {f["filename"]: f for f in _index(cache)["files"]}
    if sdist.exists() or (files is not None and sdist.name in files):
        if not sdist.exists():
            meta = files[sdist.name]  # type: ignore[index]
            _download(meta["url"], sdist, meta["hashes"]["sha256"])
        return Dist(version, sdist, sdist.name, _sha256(sdist), "sdist")
    # No sdist: fall back to a wheel (the pure-Python part is what we read).
    wheels = sorted(
        n for n in files or {} if n.startswith(f"vllm-{version}-") and n.endswith(".whl")
    )
    if not wheels:
        raise SystemExit(f"vllm {version}: neither sdist nor wheel on the index")
    # Prefer the smallest wheel (CPU/ARM builds share the Python sources).
    name = min(wheels, key=lambda n: files[n].get("size") or 1 << 62)  # type: ignore[index]
    dest = cache / name
    if not dest.exists():
        if downloader == "pip":
            subprocess.run(
                [sys.executable, "-m", "pip", "download", f"vllm=={version}", "--no-deps",
                 "--only-binary", ":all:", "-d", str(cache)],
                check=True,
            )  # fmt: skip
        else:
            meta = files[name]  # type: ignore[index]
            _download(meta["url"], dest, meta["hashes"]["sha256"])
    return Dist(version, dest, name, _sha256(dest), "wheel")


def _download(url: str, dest: Path, sha256: str) -> None:
    tmp = dest.with_suffix(dest.suffix + ".part")
    h = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=600) as r, tmp.open("wb") as out:
        for chunk in iter(lambda: r.read(1 << 20), b""):
            h.update(chunk)
            out.write(chunk)
    if h.hexdigest() != sha256:
        tmp.unlink()
        raise SystemExit(f"sha256 mismatch for {url}")
    tmp.rename(dest)


# ------------------------------------------------------------------------------------------
# Reading a distribution
# ------------------------------------------------------------------------------------------
class SourceTree:
    """The files of one distribution we care about, keyed by path relative to its root."""

    def __init__(self, dist: Dist):
        self.dist = dist
        self.files: dict[str, bytes] = {}
        want = re.compile(
            r"^(vllm/.*\.py|Dockerfile|docker/Dockerfile|setup\.py|pyproject\.toml|"
            r"vllm-[^/]*\.dist-info/entry_points\.txt)$"
        )
        if dist.kind == "sdist":
            with tarfile.open(dist.path) as t:
                for m in t:
                    if not m.isfile():
                        continue
                    rel = m.name.split("/", 1)[1] if "/" in m.name else m.name
                    if want.match(rel):
                        f = t.extractfile(m)
                        if f is not None:
                            self.files[rel] = f.read()
        else:
            with zipfile.ZipFile(dist.path) as z:
                for n in z.namelist():
                    if want.match(n):
                        self.files[n] = z.read(n)
        self._ast: dict[str, ast.Module | None] = {}

    def text(self, rel: str) -> str | None:
        b = self.files.get(rel)
        return b.decode("utf-8", "replace") if b is not None else None

    def module_path(self, mod: str) -> str | None:
        base = mod.replace(".", "/")
        for cand in (base + ".py", base + "/__init__.py"):
            if cand in self.files:
                return cand
        return None

    def is_package(self, mod: str) -> bool:
        return mod.replace(".", "/") + "/__init__.py" in self.files

    def module_ast(self, mod: str) -> ast.Module | None:
        if mod not in self._ast:
            p = self.module_path(mod)
            self._ast[mod] = ast.parse(self.files[p], filename=p) if p else None
        return self._ast[mod]


# ------------------------------------------------------------------------------------------
# Abstract values
# ------------------------------------------------------------------------------------------
class Unknown:
    __slots__ = ("src",)

    def __init__(self, src: str = "?"):
        self.src = src

    def __repr__(self) -> str:
        return f"Unknown({self.src!r})"


@dataclass(eq=False)
class ModuleRef:
    name: str


@dataclass(eq=False)
class ClassRef:
    module: str
    node: ast.ClassDef

    @property
    def name(self) -> str:
        return self.node.name


@dataclass(eq=False)
class FuncRef:
    module: str
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    closure: dict[str, Any] | None = None
    bound: Any = None  # self / cls
    owner: ClassRef | None = None

    @property
    def name(self) -> str:
        return getattr(self.node, "name", "<lambda>")


@dataclass(eq=False)
class ExtName:
    """A name from outside vLLM (stdlib, typing, torch ...): ``argparse.BooleanOptionalAction``."""

    dotted: str


@dataclass(eq=False)
class CallMarker:
    """A call we did not execute, e.g. ``optional_type(json.loads)``."""

    func: Any
    args: list[Any]

    def describe(self) -> str:
        return f"{describe(self.func)}({', '.join(describe(a) for a in self.args)})"


@dataclass(eq=False)
class Instance:
    cls: ClassRef
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class TypeExpr:
    node: ast.expr
    module: str


@dataclass(eq=False)
class BoundBuiltin:
    obj: Any
    attr: str


@dataclass(eq=False)
class SuperObj:
    cls: ClassRef
    bound: Any


@dataclass(eq=False)
class Builtin:
    name: str


@dataclass
class ArgRecord:
    strings: list[str]
    kwargs: dict[str, Any]
    file: str
    line: int
    group: str | None
    default_src: str | None = None


class ParserObj:
    def __init__(
        self, kind: str, name: str, root: ParserObj | None = None, title: str | None = None
    ):
        self.kind = kind  # "argparse.ArgumentParser" | "FlexibleArgumentParser"
        self.name = name
        self.root = root or self
        self.title = title
        if root is None:
            self.args: list[ArgRecord] = []
            self.seen: set[str] = set()


class SubparsersObj:
    def __init__(self, parent: ParserObj):
        self.parent = parent


class _Return(Exception):
    def __init__(self, value: Any):
        self.value = value


MISSING = object()


def describe(v: Any) -> str:
    if isinstance(v, ExtName):
        return v.dotted
    if isinstance(v, (FuncRef, ClassRef)):
        return v.name
    if isinstance(v, Builtin):
        return v.name
    if isinstance(v, CallMarker):
        return v.describe()
    if isinstance(v, Unknown):
        return v.src
    if isinstance(v, TypeExpr):
        return ast.unparse(v.node)
    if isinstance(v, Instance):
        return f"{v.cls.name}()"
    return repr(v)


BUILTIN_NAMES = {
    "list", "dict", "set", "tuple", "sorted", "str", "int", "float", "bool", "len", "getattr",
    "isinstance", "any", "all", "frozenset", "repr", "type", "min", "max", "enumerate", "zip",
    "reversed", "hasattr", "object", "Ellipsis", "print", "iter", "next", "range", "vars",
}  # fmt: skip
EXECUTE_ALWAYS = {"make_arg_parser", "parse_args"}
BUILTIN_VALUES = {"True": True, "False": False, "None": None}

# Attributes we read from sys so that conditions evaluate as for a normal ``vllm serve`` run.
SYS_ATTRS = {"sys.argv": ["vllm", "serve"], "sys.version_info": (3, 12, 0)}


# ------------------------------------------------------------------------------------------
# The interpreter
# ------------------------------------------------------------------------------------------
class Interp:
    MAX_DEPTH = 40

    def __init__(self, tree: SourceTree):
        self.tree = tree
        self._globals: dict[str, dict[str, Any]] = {}
        self._gcache: dict[tuple[str, str], Any] = {}
        self._evaluating: set[tuple[str, str]] = set()
        self.depth = 0
        self.parsers: list[ParserObj] = []
        self.get_kwargs_rules: dict[int, Any] = {}
        self.warnings: list[str] = []

    # ---- module scopes --------------------------------------------------------------------
    def _bindings(self, mod: str) -> dict[str, Any]:
        if mod in self._globals:
            return self._globals[mod]
        out: dict[str, Any] = {}
        tree = self.tree.module_ast(mod)
        if tree is not None:
            self._collect(tree.body, mod, out)
        self._globals[mod] = out
        return out

    def _collect(self, body: list[ast.stmt], mod: str, out: dict[str, Any]) -> None:
        for st in body:
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out[st.name] = st
            elif isinstance(st, (ast.Assign, ast.AnnAssign)):
                targets = st.targets if isinstance(st, ast.Assign) else [st.target]
                if st.value is None:
                    continue
                for t in targets:
                    if isinstance(t, ast.Name):
                        out[t.id] = st
            elif isinstance(st, ast.ImportFrom):
                for a in st.names:
                    out[a.asname or a.name] = st
            elif isinstance(st, ast.Import):
                for a in st.names:
                    out[(a.asname or a.name).split(".")[0] if not a.asname else a.asname] = st
            elif isinstance(st, ast.If):
                test = ast.unparse(st.test)
                self._collect(st.body, mod, out)
                if "TYPE_CHECKING" not in test:
                    self._collect(st.orelse, mod, out)
            elif isinstance(st, ast.Try):
                self._collect(st.body, mod, out)

    def resolve_import(self, mod: str, st: ast.ImportFrom) -> str:
        if st.level:
            parts = mod.split(".")
            if not self.tree.is_package(mod):
                parts = parts[:-1]
            base = parts[: len(parts) - (st.level - 1)] if st.level > 1 else parts
            return ".".join(base + ([st.module] if st.module else []))
        return st.module or ""

    def lookup(self, mod: str, name: str) -> Any:
        key = (mod, name)
        if key in self._gcache:
            return self._gcache[key]
        if key in self._evaluating:
            return Unknown(f"{mod}.{name} (cycle)")
        self._evaluating.add(key)
        try:
            val = self._lookup(mod, name)
        finally:
            self._evaluating.discard(key)
        self._gcache[key] = val
        return val

    def _lookup(self, mod: str, name: str) -> Any:
        b = self._bindings(mod).get(name)
        if b is None:
            if self.tree.module_path(f"{mod}.{name}"):
                return ModuleRef(f"{mod}.{name}")
            if name in BUILTIN_VALUES:
                return BUILTIN_VALUES[name]
            if name in BUILTIN_NAMES:
                return Builtin(name)
            return Unknown(f"{mod}.{name}")
        if isinstance(b, ast.ClassDef):
            return ClassRef(mod, b)
        if isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return FuncRef(mod, b)
        if isinstance(b, (ast.Assign, ast.AnnAssign)):
            assert b.value is not None
            return self.eval(b.value, Env(mod))
        if isinstance(b, ast.ImportFrom):
            src = self.resolve_import(mod, b)
            for a in b.names:
                if (a.asname or a.name) == name:
                    if src == "vllm" or src.startswith("vllm."):
                        if self.tree.module_path(f"{src}.{a.name}"):
                            return ModuleRef(f"{src}.{a.name}")
                        if self.tree.module_path(src) is None:
                            return Unknown(f"{src}.{a.name}")
                        return self.lookup(src, a.name)
                    return ExtName(f"{src}.{a.name}")
        if isinstance(b, ast.Import):
            for a in b.names:
                if a.asname == name:
                    return self._modref(a.name)
                if not a.asname and a.name.split(".")[0] == name:
                    return self._modref(name)
        return Unknown(f"{mod}.{name}")

    def _modref(self, dotted: str) -> Any:
        if dotted == "vllm" or dotted.startswith("vllm."):
            return ModuleRef(dotted)
        return ExtName(dotted)

    # ---- classes ----------------------------------------------------------------------------
    def bases(self, cls: ClassRef) -> list[Any]:
        return [self.eval(b, Env(cls.module)) for b in cls.node.bases]

    def mro(self, cls: ClassRef) -> list[ClassRef]:
        out = [cls]
        for b in self.bases(cls):
            if isinstance(b, ClassRef):
                for c in self.mro(b):
                    if c not in out:
                        out.append(c)
        return out

    def class_member(self, cls: ClassRef, name: str, start_after: ClassRef | None = None) -> Any:
        chain = self.mro(cls)
        if start_after is not None:
            idx = next((i for i, c in enumerate(chain) if c.node is start_after.node), -1)
            chain = chain[idx + 1 :]
        for c in chain:
            for st in c.node.body:
                if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)) and st.name == name:
                    return FuncRef(c.module, st, owner=c)
                if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name):
                    if st.target.id == name:
                        if st.value is None:
                            return Unknown(f"{c.name}.{name} (no default)")
                        d = self.field_default(c, st)
                        return d[0] if d is not MISSING else Unknown(f"{c.name}.{name}")
                if isinstance(st, ast.Assign):
                    for t in st.targets:
                        if isinstance(t, ast.Name) and t.id == name:
                            return self.eval(st.value, Env(c.module))
                if isinstance(st, ast.ClassDef) and st.name == name:
                    return ClassRef(c.module, st)
        return Unknown(f"{cls.name}.{name}")

    def class_member_src(self, cls: ClassRef, name: str) -> tuple[ClassRef, ast.stmt] | None:
        for c in self.mro(cls):
            for st in c.node.body:
                if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name):
                    if st.target.id == name:
                        return c, st
        return None

    def is_dataclass(self, cls: ClassRef) -> bool:
        for d in cls.node.decorator_list:
            t = ast.unparse(d)
            if re.search(r"(^|\.)(dataclass|config)\b", t):
                return True
        return False

    def dataclass_fields(self, cls: ClassRef) -> list[tuple[ClassRef, ast.AnnAssign]]:
        """Fields in dataclass order: base classes first; redefinitions keep the first slot."""
        out: dict[str, tuple[ClassRef, ast.AnnAssign]] = {}
        for c in reversed(self.mro(cls)):
            if not self.is_dataclass(c) and c is not cls:
                continue
            for st in c.node.body:
                if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name):
                    ann = ast.unparse(st.annotation)
                    if ann.startswith(("ClassVar", "typing.ClassVar", "InitVar")):
                        continue
                    out[st.target.id] = (c, st)
        return list(out.values())

    def field_default(self, cls: ClassRef, st: ast.AnnAssign) -> Any:
        """(value, source) of a dataclass field's default, or MISSING when it has none."""
        src = f"{self.tree.module_path(cls.module)} {cls.name}.{ast.unparse(st.target)}"
        if st.value is None:
            return MISSING
        v = st.value
        env = Env(cls.module)
        if isinstance(v, ast.Call):
            fn = ast.unparse(v.func)
            if fn in ("field", "dataclasses.field", "Field", "pydantic.Field") or fn.endswith(
                ".field"
            ):
                kws = {k.arg: k.value for k in v.keywords}
                if "default" in kws:
                    return self.eval(kws["default"], env), src
                if v.args and fn.endswith("Field"):
                    return self.eval(v.args[0], env), src
                if "default_factory" in kws:
                    fac = self.eval(kws["default_factory"], env)
                    if isinstance(fac, FuncRef):  # lambda: ["*"], a module-level factory ...
                        return self.run_function(fac, [], {}), src
                    return self.call(fac, [], {}, env), src
                return MISSING
            if fn == "get_field" and len(v.args) == 2:
                return self._get_field(v.args, env)
        return self.eval(v, env), src

    def _get_field(self, args: list[ast.expr], env: Env) -> Any:
        c = self.eval(args[0], env)
        n = self.eval(args[1], env)
        if isinstance(c, ClassRef) and isinstance(n, str):
            m = self.class_member_src(c, n)
            if m:
                return self.field_default(*m)
        return Unknown("get_field"), None

    # ---- evaluation -------------------------------------------------------------------------
    def eval(self, node: ast.expr, env: Env) -> Any:
        try:
            return self._eval(node, env)
        except _Return:
            raise
        except RecursionError:
            return Unknown(ast.unparse(node))
        except Exception as e:  # noqa: BLE001 - an abstract interpreter must not crash
            return Unknown(f"{ast.unparse(node)} [{type(e).__name__}]")

    def _eval(self, node: ast.expr, env: Env) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return env.get(self, node.id)
        if isinstance(node, ast.Attribute):
            return self.getattr(self.eval(node.value, env), node.attr, node)
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                if isinstance(v, ast.Constant):
                    parts.append(str(v.value))
                elif isinstance(v, ast.FormattedValue):
                    x = self.eval(v.value, env)
                    if isinstance(x, (str, int, float)) and not isinstance(x, bool):
                        parts.append(str(x))
                    else:
                        return Unknown(ast.unparse(node))
            return "".join(parts)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items: list[Any] = []
            for e in node.elts:
                if isinstance(e, ast.Starred):
                    x = self.eval(e.value, env)
                    if isinstance(x, (list, tuple, set, dict)):
                        items.extend(_iter(x))
                    else:
                        return Unknown(ast.unparse(node))
                else:
                    items.append(self.eval(e, env))
            if isinstance(node, ast.List):
                return items
            if isinstance(node, ast.Tuple):
                return tuple(items)
            try:
                return set(items)
            except TypeError:
                return Unknown(ast.unparse(node))
        if isinstance(node, ast.Dict):
            d: dict[Any, Any] = {}
            for k, v in zip(node.keys, node.values, strict=True):
                if k is None:
                    x = self.eval(v, env)
                    if isinstance(x, dict):
                        d.update(x)
                    else:
                        return Unknown(ast.unparse(node))
                else:
                    kk = self.eval(k, env)
                    try:
                        d[kk] = self.eval(v, env)
                    except TypeError:
                        return Unknown(ast.unparse(node))
            return d
        if isinstance(node, ast.Subscript):
            base = self.eval(node.value, env)
            if isinstance(base, ExtName) or isinstance(base, Builtin):
                return TypeExpr(node, env.module)
            if isinstance(base, (ClassRef, TypeExpr)):
                return TypeExpr(node, env.module)
            idx = self.eval(node.slice, env)
            if isinstance(base, (dict, list, tuple, str)) and not isinstance(idx, Unknown):
                try:
                    return base[idx]
                except (KeyError, IndexError, TypeError):
                    return Unknown(ast.unparse(node))
            return Unknown(ast.unparse(node))
        if isinstance(node, ast.Call):
            func = self.eval(node.func, env)
            args: list[Any] = []
            for a in node.args:
                if isinstance(a, ast.Starred):
                    x = self.eval(a.value, env)
                    if isinstance(x, (list, tuple)):
                        args.extend(x)
                    else:
                        args.append(Unknown(ast.unparse(a)))
                else:
                    args.append(self.eval(a, env))
            kwargs: dict[str, Any] = {}
            splat_src: list[Any] = []
            for k in node.keywords:
                if k.arg is None:
                    x = self.eval(k.value, env)
                    if isinstance(x, dict):
                        kwargs.update(x)
                        splat_src.append(x)
                    else:
                        kwargs["**"] = Unknown(ast.unparse(k.value))
                else:
                    kwargs[k.arg] = self.eval(k.value, env)
            return self.call(func, args, kwargs, env, node)
        if isinstance(node, ast.BinOp):
            left = self.eval(node.left, env)
            right = self.eval(node.right, env)
            if isinstance(node.op, ast.BitOr) and (
                isinstance(left, (ExtName, ClassRef, TypeExpr, Builtin))
                or left is None
                or isinstance(right, (ExtName, ClassRef, TypeExpr, Builtin))
            ):
                return TypeExpr(node, env.module)
            if isinstance(left, Unknown) or isinstance(right, Unknown):
                return Unknown(ast.unparse(node))
            ops = {
                ast.Add: lambda a, b: a + b,
                ast.Sub: lambda a, b: a - b,
                ast.Mult: lambda a, b: a * b,
                ast.Div: lambda a, b: a / b,
                ast.FloorDiv: lambda a, b: a // b,
                ast.Mod: lambda a, b: a % b,
                ast.Pow: lambda a, b: a**b,
                ast.BitOr: lambda a, b: a | b,
                ast.LShift: lambda a, b: a << b,
            }
            op = ops.get(type(node.op))
            if op is None:
                return Unknown(ast.unparse(node))
            big = not (isinstance(right, (int, float)) and abs(right) <= 64)
            seq = isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple))
            if big and (
                isinstance(node.op, (ast.Pow, ast.LShift))
                or (isinstance(node.op, ast.Mult) and seq)
            ):
                return Unknown(ast.unparse(node))  # keep the interpreter cheap
            return op(left, right)
        if isinstance(node, ast.UnaryOp):
            x = self.eval(node.operand, env)
            if isinstance(x, Unknown):
                return x
            if isinstance(node.op, ast.Not):
                if isinstance(x, (ParserObj, FuncRef, ClassRef, ModuleRef, ExtName, CallMarker)):
                    return Unknown(ast.unparse(node))
                return not x
            if isinstance(node.op, ast.USub):
                return -x
            return Unknown(ast.unparse(node))
        if isinstance(node, ast.BoolOp):
            vals = [self.eval(v, env) for v in node.values]
            if any(not isinstance(v, (bool, type(None), str, int, list, dict)) for v in vals):
                # and/or with an unknown operand: decided only when a known operand settles it.
                if isinstance(node.op, ast.And) and any(v is False for v in vals):
                    return False
                if isinstance(node.op, ast.Or) and any(v is True for v in vals):
                    return True
                return Unknown(ast.unparse(node))
            if isinstance(node.op, ast.And):
                r: Any = True
                for v in vals:
                    r = v
                    if not v:
                        return v
                return r
            for v in vals:
                if v:
                    return v
            return vals[-1]
        if isinstance(node, ast.Compare):
            left = self.eval(node.left, env)
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = self.eval(comp, env)
                if isinstance(op, (ast.Is, ast.IsNot)):
                    if isinstance(left, Unknown) or isinstance(right, Unknown):
                        return Unknown(ast.unparse(node))
                    res = (left is right) if isinstance(op, ast.Is) else (left is not right)
                elif isinstance(left, Unknown) or isinstance(right, Unknown):
                    return Unknown(ast.unparse(node))
                elif not _plain(left) or not _plain(right):
                    return Unknown(ast.unparse(node))
                else:
                    try:
                        res = {
                            ast.Eq: lambda a, b: a == b,
                            ast.NotEq: lambda a, b: a != b,
                            ast.Lt: lambda a, b: a < b,
                            ast.LtE: lambda a, b: a <= b,
                            ast.Gt: lambda a, b: a > b,
                            ast.GtE: lambda a, b: a >= b,
                            ast.In: lambda a, b: a in b,
                            ast.NotIn: lambda a, b: a not in b,
                        }[type(op)](left, right)
                    except (TypeError, KeyError):
                        return Unknown(ast.unparse(node))
                if not res:
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            t = self.eval(node.test, env)
            if isinstance(t, bool):
                return self.eval(node.body if t else node.orelse, env)
            return Unknown(ast.unparse(node))
        if isinstance(node, ast.Lambda):
            return FuncRef(env.module, node, closure=env.locals)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self._comprehension(node, env)
        if isinstance(node, ast.Starred):
            return Unknown(ast.unparse(node))
        return Unknown(ast.unparse(node))

    def _comprehension(self, node: Any, env: Env) -> Any:
        results: list[Any] = []

        def rec(i: int, local: Env) -> bool:
            if i == len(node.generators):
                if isinstance(node, ast.DictComp):
                    results.append((self.eval(node.key, local), self.eval(node.value, local)))
                else:
                    results.append(self.eval(node.elt, local))
                return True
            gen = node.generators[i]
            it = self.eval(gen.iter, local)
            if isinstance(it, dict):
                it = list(it)
            if not isinstance(it, (list, tuple, set, frozenset)):
                return False
            for item in _iter(it):
                inner = local.child()
                self.assign(gen.target, item, inner)
                ok = True
                for cond in gen.ifs:
                    c = self.eval(cond, inner)
                    if not isinstance(c, bool):
                        return False
                    ok = ok and c
                if ok and not rec(i + 1, inner):
                    return False
            return True

        if not rec(0, env.child()):
            return Unknown(ast.unparse(node))
        if isinstance(node, ast.DictComp):
            return dict(results)
        if isinstance(node, ast.SetComp):
            return set(results)
        return results

    def getattr(self, base: Any, attr: str, node: ast.AST | None = None) -> Any:
        if isinstance(base, ModuleRef):
            sub = f"{base.name}.{attr}"
            if self.tree.module_path(sub) and attr not in self._bindings(base.name):
                return ModuleRef(sub)
            return self.lookup(base.name, attr)
        if isinstance(base, ExtName):
            full = f"{base.dotted}.{attr}"
            if full in SYS_ATTRS:
                return SYS_ATTRS[full]
            return ExtName(full)
        if isinstance(base, ClassRef):
            if attr == "__name__":
                return base.name
            if attr == "__doc__":
                return ast.get_docstring(base.node) or ""
            m = self.class_member(base, attr)
            if isinstance(m, FuncRef) and _is_classmethod(m):
                m = FuncRef(m.module, m.node, m.closure, bound=base, owner=m.owner)
            return m
        if isinstance(base, Instance):
            if attr in base.attrs:
                return base.attrs[attr]
            m = self.class_member(base.cls, attr)
            if isinstance(m, FuncRef) and not _is_static(m):
                m = FuncRef(m.module, m.node, m.closure, bound=base, owner=m.owner)
            return m
        if isinstance(base, SuperObj):
            m = self.class_member(
                base.bound.cls if isinstance(base.bound, Instance) else base.bound,
                attr,
                start_after=base.cls,
            )
            if isinstance(m, FuncRef):
                m = FuncRef(m.module, m.node, m.closure, bound=base.bound, owner=m.owner)
            return m
        if isinstance(base, (str, int)) and not isinstance(base, bool) and attr == "value":
            # ``SomeEnum.MEMBER.value``: class_member() already evaluated the member to its
            # assigned value (``LoadFormat.AUTO = "auto"``).
            return base
        if isinstance(base, (ParserObj, SubparsersObj, dict, list, str, set, tuple)):
            return BoundBuiltin(base, attr)
        if isinstance(base, FuncRef) and attr == "__doc__":
            return ""
        return Unknown(f"{describe(base)}.{attr}")

    # ---- calls --------------------------------------------------------------------------------
    def call(
        self,
        func: Any,
        args: list[Any],
        kwargs: dict[str, Any],
        env: Env,
        node: ast.Call | None = None,
    ) -> Any:
        if isinstance(func, BoundBuiltin):
            return self._call_method(func, args, kwargs, env, node)
        if isinstance(func, Builtin):
            return self._call_builtin(func.name, args, kwargs, env)
        if isinstance(func, ExtName):
            return self._call_ext(func, args, kwargs)
        if isinstance(func, ClassRef):
            if self._is_parser_class(func):
                p = ParserObj(func.name, "<parser>")
                self.parsers.append(p)
                return p
            if func.name in ("super",):
                return Unknown("super")
            return Instance(func)
        if isinstance(func, FuncRef):
            special = self._special_function(func, args, kwargs, env, node)
            if special is not NotImplemented:
                return special
            if func.name in EXECUTE_ALWAYS or self._should_execute(func, args, kwargs):
                return self.run_function(func, args, kwargs)
            return CallMarker(func, args)
        if isinstance(func, Unknown):
            return Unknown(f"{func.src}()")
        return Unknown(f"call {describe(func)}")

    def _is_parser_class(self, cls: ClassRef) -> bool:
        for c in self.mro(cls):
            for b in c.node.bases:
                if ast.unparse(b) in ("ArgumentParser", "argparse.ArgumentParser"):
                    return True
        return False

    def _should_execute(self, func: FuncRef, args: list[Any], kwargs: dict[str, Any]) -> bool:
        vals = [*args, *kwargs.values(), func.bound]
        return any(
            isinstance(v, (ParserObj, SubparsersObj, dict)) or (isinstance(v, Instance))
            for v in vals
        ) or (isinstance(func.bound, ClassRef))

    def _special_function(
        self, func: FuncRef, args: list[Any], kwargs: dict[str, Any], env: Env, node: Any
    ) -> Any:
        name = func.name
        if name in ("get_kwargs", "_compute_kwargs") and args and isinstance(args[0], ClassRef):
            return emulate_get_kwargs(self, func, args[0])
        if name == "get_field" and len(args) == 2 and isinstance(args[0], ClassRef):
            m = self.class_member_src(args[0], args[1])
            if m:
                d = self.field_default(*m)
                return d[0] if d is not MISSING else Unknown("get_field")
        return NotImplemented

    def run_function(self, func: FuncRef, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if self.depth > self.MAX_DEPTH:
            return Unknown(f"{func.name}() [depth]")
        self.depth += 1
        try:
            local = Env(func.module, dict(func.closure or {}), cls=func.owner)
            fnode = func.node
            a = fnode.args
            params = [p.arg for p in (*a.posonlyargs, *a.args)]
            bound_args = list(args)
            is_static = _is_static(func)
            if func.bound is not None and not is_static:
                bound_args = [func.bound, *bound_args]
            elif func.owner is not None and _is_classmethod(func) and func.bound is None:
                bound_args = [func.owner, *bound_args]
            defaults = a.defaults
            for i, p in enumerate(params):
                if i < len(bound_args):
                    local.locals[p] = bound_args[i]
                elif p in kwargs:
                    local.locals[p] = kwargs[p]
                else:
                    j = i - (len(params) - len(defaults))
                    local.locals[p] = self.eval(defaults[j], local) if j >= 0 else Unknown(p)
            for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True):
                local.locals[p.arg] = kwargs.get(
                    p.arg, self.eval(d, local) if d is not None else Unknown(p.arg)
                )
            if a.vararg:
                local.locals[a.vararg.arg] = tuple(bound_args[len(params) :])
            if a.kwarg:
                local.locals[a.kwarg.arg] = {k: v for k, v in kwargs.items() if k not in params}
            if isinstance(fnode, ast.Lambda):
                return self.eval(fnode.body, local)
            try:
                self.exec_block(fnode.body, local)
            except _Return as r:
                return r.value
            return None
        finally:
            self.depth -= 1

    def _call_builtin(self, name: str, args: list[Any], kwargs: dict[str, Any], env: Env) -> Any:
        if any(isinstance(a, Unknown) for a in args):
            return Unknown(f"{name}(...)")
        try:
            if name == "list":
                return _iter(args[0]) if args else []
            if name == "dict":
                d = dict(args[0]) if args else {}
                d.update(kwargs)
                return d
            if name == "set":
                return set(args[0]) if args else set()
            if name == "tuple":
                return tuple(_iter(args[0])) if args else ()
            if name == "frozenset":
                return frozenset(args[0]) if args else frozenset()
            if name == "sorted":
                return sorted(args[0], key=_sort_key)
            if name in ("str", "int", "float", "bool", "len", "repr", "min", "max"):
                if args and all(_plain(a) for a in args):
                    return {
                        "str": str, "int": int, "float": float, "bool": bool, "len": len,
                        "repr": repr, "min": min, "max": max,
                    }[name](*args)  # fmt: skip
                return ExtName(name) if not args else Unknown(f"{name}(...)")
            if name == "getattr" and len(args) >= 2:
                r = self.getattr(args[0], args[1])
                if isinstance(r, Unknown) and len(args) == 3:
                    return args[2]
                return r
            if name == "hasattr":
                return Unknown("hasattr")
            if name == "isinstance":
                return Unknown("isinstance")
            if name in ("any", "all"):
                if isinstance(args[0], (list, tuple, set)) and all(_plain(x) for x in args[0]):
                    return (any if name == "any" else all)(args[0])
                return Unknown(name)
        except Exception:  # noqa: BLE001
            return Unknown(f"{name}(...)")
        return Unknown(f"{name}(...)")

    def _call_ext(self, func: ExtName, args: list[Any], kwargs: dict[str, Any]) -> Any:
        d = func.dotted
        short = d.rsplit(".", 1)[-1]
        if d in ("argparse.ArgumentParser",):
            p = ParserObj("argparse.ArgumentParser", "<parser>")
            self.parsers.append(p)
            return p
        if short == "get_args" and args:
            lit = literal_values(self, args[0])
            return tuple(lit) if lit is not None else Unknown("get_args")
        if short == "deepcopy" and args:
            return copy.deepcopy(args[0]) if _deepcopyable(args[0]) else args[0]
        if short == "cast" and len(args) == 2:
            return args[1]
        if d in SYS_ATTRS:
            return SYS_ATTRS[d]
        return CallMarker(func, args)

    def _call_method(
        self, bm: BoundBuiltin, args: list[Any], kwargs: dict[str, Any], env: Env, node: Any
    ) -> Any:
        obj, attr = bm.obj, bm.attr
        if isinstance(obj, ParserObj):
            if attr == "add_argument":
                self._add_argument(obj, args, kwargs, env, node)
                return Unknown("Action")
            if attr in ("add_argument_group", "add_mutually_exclusive_group"):
                title = kwargs.get("title", args[0] if args else None)
                return ParserObj(obj.kind, obj.name, root=obj.root,
                                 title=title if isinstance(title, str) else obj.title)  # fmt: skip
            if attr == "add_subparsers":
                return SubparsersObj(obj.root)
            return Unknown(f"parser.{attr}()")
        if isinstance(obj, SubparsersObj):
            if attr == "add_parser" and args and isinstance(args[0], str):
                p = ParserObj(obj.parent.kind, args[0])
                self.parsers.append(p)
                return p
            return Unknown(f"subparsers.{attr}()")
        if any(isinstance(a, Unknown) for a in args):
            if attr in ("append", "extend", "update", "remove") and isinstance(obj, (list, dict)):
                self.warnings.append(f"unknown value in {attr}()")
            return Unknown(f".{attr}()")
        try:
            if isinstance(obj, dict):
                if attr == "pop":
                    return obj.pop(*args)
                if attr in ("items", "keys", "values"):
                    return list(getattr(obj, attr)())
                if attr in ("get", "setdefault", "update", "copy"):
                    return getattr(obj, attr)(*args, **kwargs)
            if isinstance(obj, list):
                if attr in (
                    "append",
                    "extend",
                    "remove",
                    "insert",
                    "index",
                    "pop",
                    "copy",
                    "count",
                ):
                    return getattr(obj, attr)(*args)
            if isinstance(obj, set):
                if attr in ("add", "discard", "remove", "union", "copy", "update"):
                    return getattr(obj, attr)(*args)
            if isinstance(obj, str) and all(_plain(a) for a in args):
                return getattr(obj, attr)(*args, **kwargs)
        except Exception:  # noqa: BLE001
            return Unknown(f".{attr}()")
        return Unknown(f".{attr}()")

    def _add_argument(
        self, p: ParserObj, args: list[Any], kwargs: dict[str, Any], env: Env, node: Any
    ) -> None:
        strings = [a for a in args if isinstance(a, str)]
        if not strings or len(strings) != len(args):
            self.warnings.append(f"add_argument with unresolved names at {env.module}")
            return
        root = p.root
        if any(s in root.seen for s in strings):
            return  # argparse would raise a conflict; only one branch runs in reality
        root.seen.update(strings)
        kw = dict(kwargs)
        if "**" in kw:
            self.warnings.append(f"{strings[0]}: unresolved **kwargs {describe(kw.pop('**'))}")
        if kw.pop("_unsupported", False):
            self.warnings.append(f"{strings[0]}: no get_kwargs rule matched its type")
        default_src = kw.pop("_src", None)
        if node is not None:
            dk = next((k for k in node.keywords if k.arg == "default"), None)
            if dk is not None:
                default_src = self._default_src(dk.value, env) or (
                    f"{self.tree.module_path(env.module)} add_argument({strings[0]!r})"
                )
        path = self.tree.module_path(env.module) or env.module
        line = getattr(node, "lineno", 0)
        root.args.append(ArgRecord(strings, kw, path, line, p.title, default_src))

    def _default_src(self, expr: ast.expr, env: Env) -> str | None:
        """Where a ``default=`` value comes from when it names a class attribute."""
        if isinstance(expr, ast.Attribute):
            base = self.eval(expr.value, env)
            if isinstance(base, ClassRef):
                m = self.class_member_src(base, expr.attr)
                if m is None:
                    return None
                c, st = m
                if isinstance(st.value, ast.Attribute):
                    inner = self._default_src(st.value, Env(c.module))
                    if inner:
                        return inner
                if isinstance(st.value, ast.Call) and ast.unparse(st.value.func) == "get_field":
                    r = self._get_field(st.value.args, Env(c.module))
                    if isinstance(r, tuple) and r[1]:
                        return r[1]
                return f"{self.tree.module_path(c.module)} {c.name}.{expr.attr}"
        return None

    # ---- statements --------------------------------------------------------------------------
    def exec_block(self, body: list[ast.stmt], env: Env) -> None:
        for st in body:
            self.exec_stmt(st, env)

    def exec_stmt(self, st: ast.stmt, env: Env) -> None:
        if isinstance(st, ast.Expr):
            if not isinstance(st.value, ast.Constant):
                self.eval(st.value, env)
        elif isinstance(st, ast.Assign):
            v = self.eval(st.value, env)
            for t in st.targets:
                self.assign(t, v, env)
        elif isinstance(st, ast.AnnAssign):
            if st.value is not None:
                self.assign(st.target, self.eval(st.value, env), env)
        elif isinstance(st, ast.AugAssign):
            cur = self.eval(_load(st.target), env)
            rhs = self.eval(st.value, env)
            if isinstance(cur, list) and isinstance(rhs, (list, tuple)):
                cur.extend(rhs)
                return
            if isinstance(cur, dict) and isinstance(rhs, dict):
                cur.update(rhs)
                return
            if _plain(cur) and _plain(rhs) and isinstance(st.op, ast.Add):
                try:
                    self.assign(st.target, cur + rhs, env)
                    return
                except TypeError:
                    pass
            self.assign(st.target, Unknown(ast.unparse(st)), env)
        elif isinstance(st, ast.Delete):
            for t in st.targets:
                if isinstance(t, ast.Subscript):
                    base = self.eval(t.value, env)
                    key = self.eval(t.slice, env)
                    if isinstance(base, dict) and not isinstance(key, Unknown):
                        base.pop(key, None)
        elif isinstance(st, ast.If):
            t = self.eval(st.test, env)
            if t is True or (t is not False and _truthy_known(t)):
                self.exec_block(st.body, env)
            elif t is False or (not isinstance(t, Unknown) and _falsy_known(t)):
                self.exec_block(st.orelse, env)
            else:
                self.exec_block(st.body, env)
                self.exec_block(st.orelse, env)
        elif isinstance(st, ast.For):
            it = self.eval(st.iter, env)
            if isinstance(it, dict):
                it = list(it)
            if isinstance(it, (list, tuple, set, frozenset)):
                for item in _iter(it):
                    self.assign(st.target, item, env)
                    self.exec_block(st.body, env)
        elif isinstance(st, ast.Return):
            raise _Return(self.eval(st.value, env) if st.value is not None else None)
        elif isinstance(st, ast.Try):
            self.exec_block(st.body, env)
            self.exec_block(st.orelse, env)
            self.exec_block(st.finalbody, env)
        elif isinstance(st, (ast.With, ast.AsyncWith)):
            self.exec_block(st.body, env)
        elif isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
            env.locals[st.name] = FuncRef(env.module, st, closure=env.locals, owner=env.cls)
        elif isinstance(st, ast.ClassDef):
            env.locals[st.name] = ClassRef(env.module, st)
        elif isinstance(st, ast.ImportFrom):
            src = self.resolve_import(env.module, st)
            for a in st.names:
                nm = a.asname or a.name
                if src == "vllm" or src.startswith("vllm."):
                    if self.tree.module_path(f"{src}.{a.name}"):
                        env.locals[nm] = ModuleRef(f"{src}.{a.name}")
                    else:
                        env.locals[nm] = self.lookup(src, a.name)
                else:
                    env.locals[nm] = ExtName(f"{src}.{a.name}")
        elif isinstance(st, ast.Import):
            for a in st.names:
                if a.asname:
                    env.locals[a.asname] = self._modref(a.name)
                else:
                    env.locals[a.name.split(".")[0]] = self._modref(a.name.split(".")[0])
        # Raise / Assert / Pass / While / Global: nothing to do for argument discovery.

    def assign(self, target: ast.expr, value: Any, env: Env) -> None:
        if isinstance(target, ast.Name):
            env.locals[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, (list, tuple)) and len(value) == len(target.elts):
                for t, v in zip(target.elts, value, strict=True):
                    self.assign(t, v, env)
            else:
                for t in target.elts:
                    self.assign(t, Unknown("unpack"), env)
        elif isinstance(target, ast.Subscript):
            base = self.eval(target.value, env)
            key = self.eval(target.slice, env)
            if isinstance(base, (dict, list)) and not isinstance(key, Unknown):
                try:
                    base[key] = value
                except (IndexError, TypeError):
                    pass
        elif isinstance(target, ast.Attribute):
            base = self.eval(target.value, env)
            if isinstance(base, Instance):
                base.attrs[target.attr] = value


class Env:
    def __init__(
        self, module: str, locals_: dict[str, Any] | None = None, cls: ClassRef | None = None
    ):
        self.module = module
        self.locals = locals_ if locals_ is not None else {}
        self.cls = cls

    def child(self) -> Env:
        return Env(self.module, dict(self.locals), self.cls)

    def get(self, interp: Interp, name: str) -> Any:
        if name in self.locals:
            return self.locals[name]
        if name == "super":
            return _SuperFactory(self)
        if name == "__name__":
            return self.module
        return interp.lookup(self.module, name)


class _SuperFactory(FuncRef):
    def __init__(self, env: Env):
        self.env = env

    @property
    def name(self) -> str:
        return "super"


def _is_static(f: FuncRef) -> bool:
    return any(ast.unparse(d) == "staticmethod" for d in getattr(f.node, "decorator_list", []))


def _is_classmethod(f: FuncRef) -> bool:
    return any(ast.unparse(d) == "classmethod" for d in getattr(f.node, "decorator_list", []))


def _plain(v: Any) -> bool:
    return v is None or isinstance(v, (bool, int, float, str, list, tuple, dict, set, frozenset))


def _truthy_known(v: Any) -> bool:
    return _plain(v) and bool(v)


def _falsy_known(v: Any) -> bool:
    return _plain(v) and not bool(v)


def _deepcopyable(v: Any) -> bool:
    return isinstance(v, (dict, list))


def _iter(v: Any) -> list[Any]:
    """Iterate like Python, but sets in a fixed order (str hashing is seeded per process)."""
    if isinstance(v, (set, frozenset)):
        return sorted(v, key=_sort_key)
    return list(v)


def _sort_key(v: Any) -> Any:
    return (str(type(v)), v) if _plain(v) else (str(type(v)), id(v))


def _load(target: ast.expr) -> ast.expr:
    t = copy.deepcopy(target)
    for n in ast.walk(t):
        if hasattr(n, "ctx"):
            n.ctx = ast.Load()
    return t


# Patch call() to understand super() (kept apart to keep the main dispatcher readable).
_orig_call = Interp.call


def _call_with_super(self: Interp, func: Any, args: list[Any], kwargs: dict[str, Any], env: Env,
                     node: ast.Call | None = None) -> Any:  # fmt: skip
    if isinstance(func, _SuperFactory):
        e = func.env
        bound = e.locals.get("self", e.locals.get("cls"))
        if e.cls is not None and bound is not None:
            return SuperObj(e.cls, bound)
        return Unknown("super()")
    return _orig_call(self, func, args, kwargs, env, node)


Interp.call = _call_with_super  # type: ignore[method-assign]


# ------------------------------------------------------------------------------------------
# Type hints and the get_kwargs emulation
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hint:
    kind: str  # bool int float str none list tuple set dict literal dataclass other any
    args: tuple[Any, ...] = ()
    ref: Any = None  # ClassRef for dataclass / dict subclasses
    name: str = ""


TYPING_UNION = {"Union", "typing.Union", "Optional", "typing.Optional"}


def hint_set(
    interp: Interp, node: ast.expr | None, module: str, depth: int = 0, annotated: bool = True
) -> set[Hint]:
    """The set of leaf type hints of an annotation (Union/Optional/| flattened).

    ``Annotated[X, ...]`` (and pydantic's ``SkipValidation[X]``, which is
    ``Annotated[X, SkipValidation()]``) is unwrapped only when ``annotated`` is true: releases
    before 0.9.0 did not unwrap it, so get_kwargs saw a non-builtin type (-> ``type=str``).
    """

    def rec(n: ast.expr | None) -> set[Hint]:
        return hint_set(interp, n, module, depth + 1, annotated)

    if node is None or depth > 12:
        return {Hint("other", name="?")}
    if isinstance(node, ast.Constant):
        if node.value is None:
            return {Hint("none")}
        if isinstance(node.value, str):
            try:
                return rec(ast.parse(node.value, mode="eval").body)
            except SyntaxError:
                return {Hint("other", name=node.value)}
        if node.value is Ellipsis:
            return {Hint("ellipsis")}
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return rec(node.left) | rec(node.right)
    if isinstance(node, ast.Subscript):
        base = _type_name(interp, node.value, module)
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base in ("Union", "Optional"):
            out: set[Hint] = set()
            for e in elts:
                out |= rec(e)
            if base == "Optional":
                out.add(Hint("none"))
            return out
        if base in ("Annotated", "SkipValidation"):
            return rec(elts[0]) if annotated else {Hint("other", name="Annotated")}
        if base == "Literal":
            vals = literal_values(interp, TypeExpr(node, module))
            return {Hint("literal", tuple(vals or ()))}
        if base in ("list", "List", "tuple", "Tuple", "set", "Set", "frozenset", "FrozenSet"):
            kind = {"list": "list", "tuple": "tuple", "set": "set", "frozenset": "set"}[
                base.lower()
            ]
            inner = tuple(frozenset(rec(e)) for e in elts)
            return {Hint(kind, inner)}
        if base in ("dict", "Dict", "Mapping", "MutableMapping"):
            # typing.Mapping is not dict for get_origin(); keep the distinction.
            return {Hint("dict" if base in ("dict", "Dict") else "other", name=base)}
        if base in ("Callable", "type", "Type", "Sequence", "Iterable"):
            return {Hint("other", name=base)}
        # a generic alias of a vLLM type
        return rec(node.value)
    name = _type_name(interp, node, module)
    if name in ("bool", "int", "float", "str", "dict", "list", "tuple", "set"):
        return {Hint(name)}
    if name in ("Dict", "List", "Tuple", "Set"):
        return {Hint(name.lower())}
    if name in ("None", "NoneType"):
        return {Hint("none")}
    if name == "Any":
        return {Hint("any", name="Any")}
    # vLLM names: aliases, classes
    v = interp.eval(node, Env(module)) if isinstance(node, (ast.Name, ast.Attribute)) else None
    if isinstance(v, TypeExpr):
        return hint_set(interp, v.node, v.module, depth + 1, annotated)
    if isinstance(v, ClassRef):
        if interp.is_dataclass(v):
            return {Hint("dataclass", ref=v, name=v.name)}
        base_names = {
            ast.unparse(b.value if isinstance(b, ast.Subscript) else b)
            for c in interp.mro(v)
            for b in c.node.bases
        }
        if base_names & {"TypedDict", "typing.TypedDict", "typing_extensions.TypedDict"}:
            return {Hint("other", name=v.name)}
        if base_names & {"dict", "Dict"}:
            return {Hint("dictsub", ref=v, name=v.name)}
        return {Hint("other", name=v.name)}
    if isinstance(v, ExtName):
        if v.dotted.rsplit(".", 1)[-1] == "Any":
            return {Hint("any", name="Any")}
        return {Hint("other", name=v.dotted)}
    if isinstance(v, Builtin) and v.name in ("bool", "int", "float", "str", "dict", "list"):
        return {Hint(v.name)}
    return {Hint("other", name=ast.unparse(node))}


def _type_name(interp: Interp, node: ast.expr, module: str) -> str:
    """'Literal', 'Union', 'list', ... for typing / builtin names (resolving imports)."""
    if isinstance(node, ast.Name):
        v = interp.lookup(module, node.id)
        if isinstance(v, ExtName):
            return v.dotted.rsplit(".", 1)[-1]
        if isinstance(v, Builtin):
            return v.name
        if v is None:
            return "None"
        return node.id if isinstance(v, Unknown) else ""
    if isinstance(node, ast.Attribute):
        return node.attr if ast.unparse(node.value) in ("typing", "t", "typing_extensions") else ""
    if isinstance(node, ast.Constant) and node.value is None:
        return "None"
    return ""


def literal_values(interp: Interp, v: Any) -> list[Any] | None:
    if isinstance(v, TypeExpr):
        node = v.node
        if (
            isinstance(node, ast.Subscript)
            and _type_name(interp, node.value, v.module) == "Literal"
        ):
            elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            out: list[Any] = []
            for e in elts:
                x = interp.eval(e, Env(v.module))
                if isinstance(x, TypeExpr):
                    inner = literal_values(interp, x)
                    if inner is None:
                        return None
                    out.extend(inner)
                elif _plain(x):
                    out.append(x)
                else:
                    return None
            return out
        # Union of Literals
        hs = hint_set(interp, node, v.module)
        lits = sorted((h for h in hs if h.kind == "literal"), key=lambda h: repr(h.args))
        if lits and all(h.kind in ("literal",) for h in hs):
            return [x for h in lits for x in h.args]
    return None


def contains(hints: set[Hint], kind: str) -> bool:
    return any(h.kind == kind for h in hints)


@dataclass
class KwargsRules:
    chain: list[tuple[str, ast.If]]  # (rule key, the branch)
    none_choice: Any  # what gets appended to choices for Optional Literals ("None" or None)
    literal_metavar_if_str: bool
    seq_literal_choices: bool
    dict_subclass_as_dict: bool
    unwrap_annotated: bool
    source: str


RULE_PATTERNS = [
    (r"^dataclass_cls is not None$", "dataclass"),
    (r"^type_hints == \{bool, str, type\(None\)\}$", "bool_str_none"),
    (r"^contains_type\(type_hints, (bool|Literal|tuple|list|set|int|float|dict)\)$", None),
    (
        r"^contains_type\(type_hints, dict\) and \(contains_type\(type_hints, str\) or "
        r"any\(\(?is_not_builtin\(th\) for th in type_hints\)?\)\)$",
        "dict_str",
    ),
    (
        r"^contains_type\(type_hints, str\) or any\(\(?is_not_builtin\(th\) for th in "
        r"type_hints\)?\)$",
        "str",
    ),
]


def kwargs_rules(interp: Interp, func: FuncRef) -> KwargsRules:
    """Read the if/elif chain of ``get_kwargs`` / ``_compute_kwargs`` from the release's source."""
    key = id(func.node)
    if key in interp.get_kwargs_rules:
        return interp.get_kwargs_rules[key]
    target = func
    # get_kwargs may delegate to _compute_kwargs (cached) and deep-copy the result.
    src_all = ast.unparse(func.node)
    if "_compute_kwargs(" in src_all and func.name == "get_kwargs":
        f2 = interp.lookup(func.module, "_compute_kwargs")
        if isinstance(f2, FuncRef):
            target = f2
    chain: list[tuple[str, ast.If]] = []
    for node in ast.walk(target.node):
        if isinstance(node, ast.If) and (
            "type_hints" in ast.unparse(node.test) or "dataclass_cls" in ast.unparse(node.test)
        ):
            n: ast.If = node
            while True:
                test = ast.unparse(n.test)
                rule = None
                for pat, k in RULE_PATTERNS:
                    m = re.match(pat, test)
                    if m:
                        rule = k or m.group(1).lower()
                        break
                if rule is None:
                    raise SystemExit(
                        f"{interp.tree.dist.filename}: unknown get_kwargs predicate {test!r}; "
                        "teach scripts/snapshot_vllm_cli.py this rule"
                    )
                chain.append((rule, n))
                if len(n.orelse) == 1 and isinstance(n.orelse[0], ast.If):
                    n = n.orelse[0]
                else:
                    break
            break
    if not chain:
        # 0.8.4: a nested get_kwargs that only sets default/help/type and leaves actions to
        # the caller: bool -> no kwargs, Optional -> nullable_str, str in Union -> str,
        # anything else -> the annotation itself as type.
        if "field.type is bool" in src_all:
            chain = [("v084", None)]  # type: ignore[list-item]
        else:
            raise SystemExit(f"{interp.tree.dist.filename}: cannot read get_kwargs rules")
    mod_src = ast.unparse(interp.tree.module_ast(target.module))  # type: ignore[arg-type]
    tsrc = ast.unparse(target.node)
    rules = KwargsRules(
        chain=chain,
        none_choice=None if "['choices'].append(None)" in tsrc else "None",
        literal_metavar_if_str="'metavar' if contains_type(type_hints, str)" in mod_src,
        seq_literal_choices="get_origin(kwargs[name].get('type')) is Literal" in tsrc,
        dict_subclass_as_dict="is_dict_subclass(th)" in tsrc,
        # 0.9.0: get_origin(field.type) in {Union, Annotated}; 0.9.1+: get_type_hints().
        unwrap_annotated="Annotated" in tsrc or "get_type_hints(field.type)" in tsrc,
        source=f"{interp.tree.module_path(target.module)} {target.name}",
    )
    interp.get_kwargs_rules[key] = rules
    return rules


def emulate_get_kwargs(interp: Interp, func: FuncRef, cls: ClassRef) -> dict[str, Any]:
    rules = kwargs_rules(interp, func)
    out: dict[str, Any] = {}
    for owner, st in interp.dataclass_fields(cls):
        name = st.target.id  # type: ignore[union-attr]
        d = interp.field_default(owner, st)
        if d is MISSING:
            default, dsrc = MISSING, f"{interp.tree.module_path(owner.module)} {owner.name}.{name}"
        else:
            default, dsrc = d
            dsrc = dsrc or f"{interp.tree.module_path(owner.module)} {owner.name}.{name}"
        hints = hint_set(interp, st.annotation, owner.module, annotated=rules.unwrap_annotated)
        if rules.dict_subclass_as_dict:
            hints = {Hint("dict") if h.kind == "dictsub" else h for h in hints}
        else:
            hints = {Hint("other", name=h.name) if h.kind == "dictsub" else h for h in hints}
        kw: dict[str, Any] = {"help": ""}
        if default is not MISSING:
            kw["default"] = default
        kw["_src"] = dsrc
        kw["_annotation"] = ast.unparse(st.annotation)
        if rules.chain and rules.chain[0][0] == "v084":
            ann = st.annotation
            kw["default"] = default if default is not MISSING else None
            if hints == {Hint("bool")}:
                out[name] = kw
                continue
            if contains(hints, "none") and len(hints) > 1:
                kw["type"] = ExtName("nullable_str")
            elif contains(hints, "str") and len(hints) > 1:
                kw["type"] = ExtName("str")
            else:
                kw["type"] = ExtName(ast.unparse(ann))
            out[name] = kw
            continue
        applied = None
        for rule, branch in rules.chain:
            if _rule_matches(rule, hints):
                applied = rule
                _apply_rule(interp, rules, rule, branch, hints, kw, name, func)
                break
        if applied is None:
            kw["_unsupported"] = True
        if contains(hints, "none") and not contains(hints, "bool") and applied is not None:
            kw["type"] = CallMarker(ExtName("optional_type"), [kw.get("type")])
            if kw.get("choices"):
                kw["choices"] = [*kw["choices"], rules.none_choice]
        out[name] = kw
    return out


def _rule_matches(rule: str, hints: set[Hint]) -> bool:
    if rule == "dataclass":
        return contains(hints, "dataclass")
    if rule == "bool_str_none":
        return {h.kind for h in hints} == {"bool", "str", "none"} and len(hints) == 3
    if rule == "dict_str":
        return contains(hints, "dict") and (
            contains(hints, "str")
            or any(h.kind in ("other", "dataclass", "literal", "any") for h in hints)
        )
    if rule == "str":
        return contains(hints, "str") or any(
            h.kind in ("other", "dataclass", "literal", "any") for h in hints
        )
    return contains(hints, rule)


def _apply_rule(
    interp: Interp,
    rules: KwargsRules,
    rule: str,
    branch: ast.If,
    hints: set[Hint],
    kw: dict[str, Any],
    name: str,
    func: FuncRef,
) -> None:
    ordered = sorted(hints, key=lambda h: (h.kind, h.name, repr(h.args)))  # deterministic
    if rule == "dataclass":
        dc = next(h for h in ordered if h.kind == "dataclass")
        kw["type"] = ExtName(f"parse_dataclass[{dc.name}]")
        return
    if rule == "bool_str_none":
        kw.update(type=ExtName("str"), nargs="?", const=True)
        return
    if rule == "literal":
        # Union[Literal[a, b], Literal[c]] stays two Literals in typing, and vLLM's get_type()
        # takes whichever a *set* yields first -- which depends on the process's hash seed
        # (e.g. --guided-decoding-backend in 0.8.5).  Record the union of the values.
        vals = sorted({x for h in ordered if h.kind == "literal" for x in h.args}, key=_sort_key)
        key = "metavar" if rules.literal_metavar_if_str and contains(hints, "str") else "choices"
        kw["type"] = ExtName(type(vals[0]).__name__ if vals else "str")
        kw[key] = list(vals)
        return
    if rule in ("tuple", "list", "set"):
        h = next(x for x in ordered if x.kind == rule)
        elems = list(h.args)
        ellipsis = any(Hint("ellipsis") in e for e in elems)
        if rule == "tuple" and not ellipsis and elems:
            kw["nargs"] = len(elems)
        else:
            kw["nargs"] = "+"
        first = elems[0] if elems else frozenset({Hint("str")})
        lits = sorted((x for x in first if x.kind == "literal"), key=lambda h: repr(h.args))
        if lits and rules.seq_literal_choices and len(first) == 1:
            kw["type"] = ExtName("Literal")
            kw["choices"] = sorted(lits[0].args, key=_sort_key)
        else:
            kinds = sorted(x.kind for x in first if x.kind != "none")
            kw["type"] = ExtName(kinds[0] if len(kinds) == 1 else "str")
        return
    # int / float / dict / dict_str / str / bool: run the branch body with the interpreter.
    env = Env(func.module, {"kwargs": {name: kw}, "name": name, "type_hints": Unknown("hints")})
    target = interp.lookup(func.module, "_compute_kwargs")
    if isinstance(target, FuncRef):
        env.module = target.module
    for st in branch.body:
        interp.exec_stmt(st, env)


# ------------------------------------------------------------------------------------------
# Per-release extraction
# ------------------------------------------------------------------------------------------
FLAG_ACTIONS = {
    "store_true", "store_false", "store_const", "count", "help", "version",
    "argparse.BooleanOptionalAction", "BooleanOptionalAction", "EnableDisableAction",
}  # fmt: skip


def option_from_record(rec: ArgRecord) -> dict[str, Any]:
    kw = rec.kwargs
    action = kw.get("action")
    action_name = (
        action if isinstance(action, str) else describe(action) if action is not None else None
    )
    nargs = kw.get("nargs")
    negatable = action_name is not None and action_name.endswith("BooleanOptionalAction")
    if nargs == "?":
        # e.g. StoreBoolean with nargs="?" (``--enable-chunked-prefill [true|false]``)
        arity = "optional"
    elif action_name in FLAG_ACTIONS or negatable:
        arity = "flag"
    elif nargs in ("+", "*") or (isinstance(nargs, int) and nargs > 1):
        arity = "multi"
    elif nargs == "?":
        arity = "optional"
    else:
        arity = "value"
    longs = [s for s in rec.strings if s.startswith("--")]
    name = longs[0] if longs else rec.strings[0]
    aliases = [s for s in rec.strings if s != name]
    default: Any = kw.get("default", MISSING)
    if isinstance(default, (set, frozenset)):
        default = _iter(default)
    default_expr = None
    if default is MISSING:
        if action_name in ("store_true",):
            default = False
        elif action_name == "store_false":
            default = True
        else:
            default = None
    elif not _jsonable(default):
        default_expr = describe(default)
        default = None
    choices = kw.get("choices")
    if choices is not None and not (
        isinstance(choices, (list, tuple)) and _jsonable(list(choices))
    ):
        choices = None
    elif choices is not None:
        # ``None`` in choices: the word "None" passes (nullable_str / optional_type map it).
        choices = list(dict.fromkeys("None" if c is None else c for c in choices))
    opt: dict[str, Any] = {
        "name": name,
        "arity": arity,
        "aliases": aliases,
        "negatable": negatable,
        "choices": choices,
        "default": default,
    }
    if default_expr is not None:
        opt["default_expr"] = default_expr
    t = kw.get("type")
    if t is not None:
        opt["type"] = describe(t)
    if action_name and arity != "flag":
        opt["action"] = action_name
    if isinstance(nargs, int):
        opt["nargs"] = nargs
    if kw.get("deprecated") is True:
        opt["deprecated"] = True
    if rec.default_src:
        opt["_default_src"] = rec.default_src
    opt["_file"] = rec.file
    if rec.group:
        opt["_group"] = rec.group
    return opt


def _jsonable(v: Any) -> bool:
    if v is None or isinstance(v, (bool, int, float, str)):
        return True
    if isinstance(v, (list, tuple)):
        return all(_jsonable(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _jsonable(x) for k, x in v.items())
    return False


CLI_ARGS_CANDIDATES = [
    "vllm.entrypoints.common.cli_args",
    "vllm.entrypoints.launchers.cli_args",
    "vllm.entrypoints.openai.cli_args",
]


@dataclass
class Snapshot:
    version: str
    dist: Dist
    serve: dict[str, dict[str, Any]] | None
    api_server: dict[str, dict[str, Any]]
    positionals: dict[str, Any]
    parser: dict[str, Any]
    facts: dict[str, tuple[Any, str]]
    console_script: str | None
    warnings: list[str]
    # VLLM_* environment variables: name -> True when vllm/envs.py's registry
    # (``environment_variables``) holds it, False when only other files of the release name it.
    env: dict[str, bool] = field(default_factory=dict)


def console_script(tree: SourceTree) -> str | None:
    for rel in ("pyproject.toml", "setup.py"):
        t = tree.text(rel)
        if not t:
            continue
        m = re.search(r"""^\s*["']?vllm["']?\s*=\s*["']([\w.]+:\w+)["']""", t, re.M)
        if m:
            return m.group(1)
        m = re.search(r"""["']vllm\s*=\s*([\w.]+:\w+)["']""", t)
        if m:
            return m.group(1)
    for rel, b in tree.files.items():
        if rel.endswith("entry_points.txt"):
            m = re.search(r"^vllm\s*=\s*([\w.]+:\w+)", b.decode(), re.M)
            if m:
                return m.group(1)
    return None


def run_serve_parser(interp: Interp, entry: str) -> ParserObj | None:
    mod, fn = entry.split(":")
    target: FuncRef | None = None
    if mod == "vllm.entrypoints.cli.main":
        # ``main`` registers sub-commands from a module list; run the serve module's
        # ``subparser_init`` with a FlexibleArgumentParser sub-parsers object instead.
        smod = "vllm.entrypoints.cli.serve"
        tree = interp.tree.module_ast(smod)
        main_src = ast.unparse(interp.tree.module_ast(mod) or ast.Module([], []))
        kind = "FlexibleArgumentParser" if "FlexibleArgumentParser(" in main_src else "argparse"
        if tree is None:
            return None
        for st in tree.body:
            if isinstance(st, ast.ClassDef):
                for f in st.body:
                    if isinstance(f, ast.FunctionDef) and f.name == "subparser_init":
                        top = ParserObj(kind, "vllm")
                        cref = ClassRef(smod, st)
                        func = FuncRef(smod, f, bound=Instance(cref), owner=cref)
                        interp.run_function(func, [SubparsersObj(top)], {})
        return next((p for p in interp.parsers if p.name == "serve"), None)
    f = interp.lookup(mod, fn)
    if isinstance(f, FuncRef):
        target = f
        interp.run_function(target, [], {})
    return next((p for p in interp.parsers if p.name == "serve"), None)


def run_api_server_parser(interp: Interp) -> tuple[ParserObj | None, str | None]:
    mod = "vllm.entrypoints.openai.api_server"
    tree = interp.tree.module_ast(mod)
    if tree is None:
        return None, None
    for st in tree.body:
        if isinstance(st, ast.If) and "__main__" in ast.unparse(st.test):
            before = len(interp.parsers)
            env = Env(mod)
            interp.exec_block(st.body, env)
            new = [p for p in interp.parsers[before:] if p.args]
            if new:
                return new[0], f"{interp.tree.module_path(mod)} __main__"
    # Fall back on make_arg_parser with a FlexibleArgumentParser.
    for cand in CLI_ARGS_CANDIDATES:
        f = interp.lookup(cand, "make_arg_parser")
        if isinstance(f, FuncRef):
            p = ParserObj("FlexibleArgumentParser", "api_server")
            interp.parsers.append(p)
            r = interp.run_function(f, [p] if f.node.args.args else [], {})
            if isinstance(r, ParserObj):
                p = r.root
            return p, f"{interp.tree.module_path(cand)} make_arg_parser"
    return None, None


def parser_behaviour(interp: Interp, kind: str) -> dict[str, Any]:
    """What FlexibleArgumentParser.parse_args rewrites before argparse, read from its source."""
    out: dict[str, Any] = {"class": kind}
    if kind == "argparse.ArgumentParser":
        out.update(underscores=False, optimization_level_shorthand=False, dotted_json=False,
                   dotted_list_append=False, config_file=False, serve_model_option_moved=False,
                   enable_disable_pairs=False)  # fmt: skip
        out["_src"] = "argparse.ArgumentParser (no FlexibleArgumentParser)"
        return out
    src_mod = None
    for cand in ("vllm.utils.argparse_utils", "vllm.utils", "vllm.utils.__init__"):
        t = interp.tree.module_ast(cand)
        if t is not None and any(
            isinstance(n, ast.ClassDef) and n.name == "FlexibleArgumentParser" for n in t.body
        ):
            src_mod = cand
            break
    if src_mod is None:
        out["_src"] = "FlexibleArgumentParser not found"
        return out
    cls = next(
        n
        for n in interp.tree.module_ast(src_mod).body  # type: ignore[union-attr]
        if isinstance(n, ast.ClassDef) and n.name == "FlexibleArgumentParser"
    )
    csrc = ast.unparse(cls)
    parse = next(
        (f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "parse_args"), None
    )
    psrc = ast.unparse(parse) if parse else ""
    out["underscores"] = "replace('_', '-')" in psrc
    out["optimization_level_shorthand"] = "startswith('-O')" in psrc
    out["_O_rewrites_to"] = "--optimization-level" if "'--optimization-level'" in psrc else None
    out["dotted_json"] = "'.' in processed_arg" in psrc or "split('.')" in psrc
    out["dotted_list_append"] = "endswith('+')" in psrc
    out["config_file"] = "'--config' in args" in psrc
    out["serve_model_option_moved"] = "^--model(=.+|$)" in psrc
    out["enable_disable_pairs"] = "EnableDisableAction" in csrc and "register('action'" in csrc
    out["_src"] = f"{interp.tree.module_path(src_mod)} FlexibleArgumentParser.parse_args"
    return out


INHERIT = "__inherit_from_neighbours__"


def dockerfile_entrypoint(tree: SourceTree) -> tuple[Any, str]:
    if tree.dist.kind == "wheel":
        # A wheel has no Dockerfile: take the value of the neighbouring sdists when they agree.
        return INHERIT, f"{tree.dist.filename} has no Dockerfile"
    for rel in ("docker/Dockerfile", "Dockerfile"):
        text = tree.text(rel)
        if text is None:
            continue
        stage = None
        entry = None
        for raw in _docker_lines(text):
            m = re.match(r"(?i)FROM\s+\S+(?:\s+AS\s+(\S+))?", raw)
            if m:
                stage = (m.group(1) or "").lower()
                continue
            m = re.match(r"(?i)ENTRYPOINT\s+(.*)", raw)
            if m and stage == "vllm-openai":
                body = m.group(1).strip()
                try:
                    entry = json.loads(body)
                except json.JSONDecodeError:
                    entry = ["/bin/sh", "-c", body]
        if entry is not None:
            return entry, f"{tree.dist.filename} {rel} (stage vllm-openai, ENTRYPOINT)"
    h = HAND_ENCODED["dockerfile_entrypoint_without_dockerfile"]
    return h["value"], f"hand-encoded: {h['source']}"


def _docker_lines(text: str) -> Iterable[str]:
    buf = ""
    for line in text.splitlines():
        s = line.strip()
        if not buf and (not s or s.startswith("#")):
            continue
        if s.endswith("\\"):
            buf += s[:-1] + " "
            continue
        yield (buf + s).strip()
        buf = ""


def lora_allowed_ranks(interp: Interp, opts: dict[str, dict[str, Any]]) -> tuple[Any, str]:
    o = opts.get("--max-lora-rank")
    if o and o.get("choices"):
        vals = sorted(x for x in o["choices"] if isinstance(x, int))
        return vals, f"{interp.tree.dist.filename} {o.get('_default_src') or o['_file']} (Literal)"
    # Older releases check the value in LoRAConfig.__post_init__ (possible_max_ranks = (...)).
    for mod in ("vllm.config.lora", "vllm.config"):
        t = interp.tree.module_ast(mod)
        if t is None:
            continue
        for c in t.body:
            if isinstance(c, ast.ClassDef) and c.name == "LoRAConfig":
                for n in ast.walk(c):
                    if isinstance(n, ast.Assign) and any(
                        isinstance(x, ast.Name) and x.id == "possible_max_ranks" for x in n.targets
                    ):
                        vals = interp.eval(n.value, Env(mod))
                        if isinstance(vals, (list, tuple)):
                            return sorted(vals), (
                                f"{interp.tree.dist.filename} {interp.tree.module_path(mod)} "
                                "LoRAConfig.__post_init__ possible_max_ranks"
                            )
    return None, "not found"


def limit_mm_format(interp: Interp, opts: dict[str, dict[str, Any]]) -> tuple[Any, str]:
    o = opts.get("--limit-mm-per-prompt")
    if o is None:
        return None, f"{interp.tree.dist.filename}: no --limit-mm-per-prompt"
    t = o.get("type", "")
    where = f"{interp.tree.dist.filename} {o['_file']} --limit-mm-per-prompt type={t}"
    if "nullable_kvs" in t and "json" not in t:
        return "key=value", where
    if "json.loads" in t or "parse_dataclass" in t or "union_dict_and_str" in t:
        # optional_type/parse_type(json.loads) in 0.8.5 .. 0.9.x fall back to nullable_kvs for
        # text that is not ``{...}``: both forms are accepted (key=value deprecated).
        seen: set[str] = set()
        todo = [n for n in ("optional_type", "parse_type", "union_dict_and_str") if n in t]
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            f = interp.lookup("vllm.engine.arg_utils", n)
            if not isinstance(f, FuncRef):
                continue
            body = ast.unparse(f.node)
            if "nullable_kvs" in body:
                return "json|key=value", where + f" ({n} falls back to nullable_kvs)"
            todo += [m for m in ("optional_type", "parse_type") if m + "(" in body]
        return "json", where
    return None, where


def api_server_deprecated(tree: SourceTree) -> tuple[bool, str]:
    t = tree.module_ast("vllm.entrypoints.openai.api_server")
    rel = "vllm/entrypoints/openai/api_server.py"
    if t is None:
        return False, f"{tree.dist.filename}: no {rel}"
    for st in t.body:
        if isinstance(st, ast.If) and "__main__" in ast.unparse(st.test):
            body = ast.unparse(st)
            dep = "DeprecationWarning" in body or "is deprecated" in body
            return dep, f"{tree.dist.filename} {rel} `if __name__ == '__main__'` block" + (
                " warns DeprecationWarning" if dep else ""
            )
    return False, f"{tree.dist.filename} {rel}: no __main__ block"


# ------------------------------------------------------------------------------------------
# Environment variables and request defaults
# ------------------------------------------------------------------------------------------
_ENV_NAME = re.compile(rb"\bVLLM_[A-Z0-9_]*[A-Z0-9]\b")
# The parts of a distribution that make up vLLM itself: the package, its build (setup.py, CMake,
# csrc, rust) and its images (docker/, Dockerfile*). Tests, docs, examples, benchmarks, recipes,
# CI and tools set or describe variables of their own, never read by a running vLLM.
_VLLM_PARTS = re.compile(
    r"^(vllm/|csrc/|cmake/|rust/|docker/|requirements|Dockerfile|CMakeLists\.txt$|setup\.py$|"
    r"setup\.cfg$|pyproject\.toml$)"
)
_TEXT_SUFFIXES = (".py", ".sh", ".txt", ".cmake", ".toml", ".cfg", ".in", ".cu", ".cuh", ".cpp",
                  ".h", ".hpp", ".c", ".yaml", ".yml", ".json")  # fmt: skip


def env_registry(tree: SourceTree) -> tuple[set[str], str]:
    """The keys of ``environment_variables`` in ``vllm/envs.py`` (the variables vLLM declares;
    from 0.11-ish releases ``validate_environ`` warns about every other ``VLLM_*`` one)."""
    mod = tree.module_ast("vllm.envs")
    if mod is None:
        return set(), "no vllm/envs.py"
    for node in mod.body:
        target = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if (
            isinstance(target, ast.Name)
            and target.id == "environment_variables"
            and isinstance(value, ast.Dict)
        ):
            keys = {
                k.value
                for k in value.keys
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            }
            return {k for k in keys if k.startswith("VLLM_")}, "vllm/envs.py environment_variables"
    return set(), "vllm/envs.py has no environment_variables dict"


def env_mentions(dist: Dist) -> set[str]:
    """Every ``VLLM_*`` name written anywhere in vLLM's own files (``_VLLM_PARTS``)."""
    out: set[str] = set()

    def take(rel: str, data: bytes) -> None:
        base = rel.rsplit("/", 1)[-1]
        if not _VLLM_PARTS.match(rel):
            return
        if rel.endswith(_TEXT_SUFFIXES) or base.startswith(("Dockerfile", "CMakeLists")):
            out.update(m.decode() for m in _ENV_NAME.findall(data))

    if dist.kind == "sdist":
        with tarfile.open(dist.path) as t:
            for m in t:
                if not m.isfile() or m.size > 4_000_000:
                    continue
                rel = m.name.split("/", 1)[1] if "/" in m.name else m.name
                f = t.extractfile(m)
                if f is not None:
                    take(rel, f.read())
    else:
        with zipfile.ZipFile(dist.path) as z:
            for info in z.infolist():
                if info.file_size <= 4_000_000 and not info.is_dir():
                    take(info.filename, z.read(info))
    return out


def _field_default(tree: SourceTree, cls_name: str, field_name: str, where: list[str]) -> Any:
    """The default of ``field_name`` in class ``cls_name`` (a class-level annotated field, a
    pydantic ``Field(default=...)``, or an ``__init__`` keyword), searched in the modules
    ``where`` (prefixes of module paths). ``MISSING`` when not found."""
    for rel in sorted(tree.files):
        if not rel.endswith(".py") or not any(rel.startswith(w) for w in where):
            continue
        if f"class {cls_name}".encode() not in tree.files[rel]:
            continue
        try:
            mod = ast.parse(tree.files[rel])
        except SyntaxError:
            continue
        for node in ast.walk(mod):
            if not (isinstance(node, ast.ClassDef) and node.name == cls_name):
                continue
            for st in node.body:
                if (
                    isinstance(st, ast.AnnAssign)
                    and isinstance(st.target, ast.Name)
                    and st.target.id == field_name
                ):
                    return _default_of(st.value), rel
                if isinstance(st, ast.FunctionDef) and st.name == "__init__":
                    a = st.args
                    pos = a.args[len(a.args) - len(a.defaults) :]
                    pairs = [
                        *zip(pos, a.defaults, strict=True),
                        *zip(a.kwonlyargs, a.kw_defaults, strict=True),
                    ]
                    for arg, d in pairs:
                        if arg.arg == field_name and d is not None:
                            return _default_of(d), rel
    return MISSING, None


def _default_of(node: ast.expr | None) -> Any:
    if node is None:
        return MISSING
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
        "Field",
        "field",
    ):
        for kw in node.keywords:
            if kw.arg == "default" and isinstance(kw.value, ast.Constant):
                return kw.value.value
        if node.args and isinstance(node.args[0], ast.Constant):
            return node.args[0].value
    return ast.unparse(node)


def request_defaults(tree: SourceTree, fn: str) -> dict[str, tuple[Any, str]]:
    """max_tokens defaults: ``SamplingParams`` (offline ``LLM.generate``/``chat``) and the
    OpenAI server's ``CompletionRequest`` / ``ChatCompletionRequest``; and whether
    ``LLM.generate`` without sampling params reads the model's generation config."""
    facts: dict[str, tuple[Any, str]] = {}
    v, rel = _field_default(tree, "SamplingParams", "max_tokens", ["vllm/sampling_params"])
    facts["sampling_params_max_tokens_default"] = (
        None if v is MISSING else v,
        f"{fn} {rel} SamplingParams.max_tokens" if rel else f"{fn}: SamplingParams not found",
    )
    for key, cls in (
        ("completion_request_max_tokens_default", "CompletionRequest"),
        ("chat_request_max_tokens_default", "ChatCompletionRequest"),
    ):
        v, rel = _field_default(tree, cls, "max_tokens", ["vllm/entrypoints/"])
        facts[key] = (
            None if v is MISSING else v,
            f"{fn} {rel} {cls}.max_tokens" if rel else f"{fn}: {cls} not found",
        )
    v, rel = _field_default(tree, "CompletionRequest", "add_special_tokens", ["vllm/entrypoints/"])
    facts["completion_request_add_special_tokens_default"] = (
        None if v is MISSING else v,
        f"{fn} {rel} CompletionRequest.add_special_tokens"
        if rel
        else f"{fn}: CompletionRequest has no add_special_tokens field",
    )
    llm = tree.text("vllm/entrypoints/llm.py") or ""
    facts["llm_default_sampling_from_model"] = (
        "def get_default_sampling_params" in llm,
        f"{fn} vllm/entrypoints/llm.py "
        + (
            "LLM.get_default_sampling_params (generation_config.json defaults when no "
            "sampling params are given)"
            if "def get_default_sampling_params" in llm
            else "has no get_default_sampling_params (plain SamplingParams())"
        ),
    )
    return facts


def env_validation(tree: SourceTree, fn: str) -> tuple[Any, str]:
    """Whether the release warns about ``VLLM_*`` variables its registry does not declare
    (``Platform.validate_environ``, "Unknown vLLM environment variable detected")."""
    for rel in sorted(tree.files):
        if (
            rel.startswith("vllm/")
            and b"Unknown vLLM environment variable detected" in tree.files[rel]
        ):
            return True, f"{fn} {rel} validate_environ"
    return False, f"{fn}: no 'Unknown vLLM environment variable detected' check"


def snapshot(dist: Dist) -> Snapshot:
    tree = SourceTree(dist)
    interp = Interp(tree)
    v = dist.version
    api_parser, api_src = run_api_server_parser(interp)
    if api_parser is None:
        raise SystemExit(f"{v}: could not find the api_server argument parser")
    api_opts: dict[str, dict[str, Any]] = {}
    positionals: dict[str, Any] = {}
    for rec in api_parser.args:
        if not rec.strings[0].startswith("-"):
            positionals.setdefault("api_server", []).append(
                {"name": rec.strings[0], "nargs": rec.kwargs.get("nargs")}
            )
            continue
        o = option_from_record(rec)
        api_opts[o["name"]] = o
    entry = console_script(tree)
    serve_opts = None
    serve_parser = None
    if entry:
        interp2 = Interp(tree)
        serve_parser = run_serve_parser(interp2, entry)
        interp.warnings += interp2.warnings
    if serve_parser is not None:
        serve_opts = {}
        for rec in serve_parser.args:
            if not rec.strings[0].startswith("-"):
                positionals.setdefault("serve", []).append(
                    {"name": rec.strings[0], "nargs": rec.kwargs.get("nargs")}
                )
                continue
            o = option_from_record(rec)
            serve_opts[o["name"]] = o
    opts = serve_opts if serve_opts else api_opts
    fn = dist.filename
    facts: dict[str, tuple[Any, str]] = {}
    m = opts.get("--model")
    facts["default_model"] = (
        (m["default"], f"vllm {v} {dist.kind} {m.get('_default_src') or m['_file']}")
        if m
        else (None, "no --model")
    )
    r = opts.get("--max-lora-rank")
    facts["max_lora_rank_default"] = (
        (r["default"], f"vllm {v} {dist.kind} {r.get('_default_src') or r['_file']}")
        if r
        else (None, "no --max-lora-rank")
    )
    facts["max_lora_rank_allowed"] = lora_allowed_ranks(interp, opts)
    g = opts.get("--generation-config")
    facts["generation_config_default"] = (
        (g["default"], f"vllm {v} {dist.kind} {g.get('_default_src') or g['_file']}")
        if g
        else (None, f"vllm {v}: no --generation-config option")
    )
    facts["has_generation_config"] = (g is not None, f"{fn} serve parser")
    facts["dockerfile_entrypoint"] = dockerfile_entrypoint(tree)
    facts["has_vllm_serve"] = (
        serve_parser is not None,
        f"{fn} console script {entry!r}" + (" registers 'serve'" if serve_parser else ""),
    )
    facts["console_script"] = (entry, f"{fn} setup.py/pyproject.toml [project.scripts]")
    pa = sorted(n for n in opts if "prompt-adapter" in n)
    facts["prompt_adapter_flags"] = (pa, f"{fn} serve parser options containing 'prompt-adapter'")
    facts["prompt_adapter_functional"] = (
        bool(pa)
        and not all(opts[n].get("deprecated") for n in pa)
        and tree.module_path("vllm.prompt_adapter") is not None,  # fmt: skip
        f"{fn} vllm/prompt_adapter package present and flags not deprecated",
    )
    facts["limit_mm_per_prompt_format"] = limit_mm_format(interp, opts)
    facts["serve_model_positional"] = (
        next((p["nargs"] or "1" for p in positionals.get("serve", [])), None),
        f"{fn} `vllm serve` sub-parser positional model_tag nargs (None: no `vllm serve`)",
    )
    # The module form gets a positional only where make_arg_parser itself declares model_tag;
    # only ServeSubcommand.cmd copies model_tag into args.model, so there it is ignored.
    facts["api_server_positional_model"] = (
        "ignored" if positionals.get("api_server") else None,
        f"{fn} {api_src}: positional model_tag "
        + (
            "declared by make_arg_parser, never copied to args.model"
            if positionals.get("api_server")
            else "not declared (argparse: unrecognized arguments)"
        ),  # fmt: skip
    )
    facts["api_server_module_deprecated"] = api_server_deprecated(tree)
    kind = (serve_parser or api_parser).kind
    behaviour = parser_behaviour(interp, kind)
    # Which option ``-O3`` / ``-O 3`` sets: the option registering ``-O`` (argparse accepts an
    # attached value for a one-letter short option), or what parse_args rewrites ``-O<n>`` to.
    owner = next((o["name"] for o in opts.values() if "-O" in o["aliases"]), None)
    target = owner or behaviour.get("_O_rewrites_to")
    facts["short_O_option"] = (
        target if target in opts else None,
        f"{fn} "
        + (
            f"{owner} declares -O"
            if owner
            else f"{behaviour.get('_src')} rewrites -O<n> to {target}"
            if target
            else "no option declares -O and parse_args does not rewrite it"
        ),
    )
    behaviour["api_server_class"] = api_parser.kind
    for k in ("underscores", "optimization_level_shorthand", "dotted_json",
              "dotted_list_append", "config_file", "serve_model_option_moved",
              "enable_disable_pairs"):  # fmt: skip
        facts[f"parser_{k}"] = (behaviour.get(k), f"{fn} {behaviour.get('_src')}")
    # argparse's allow_abbrev (default True) applies unless some vLLM file passes it.
    passes = sorted(
        rel for rel, b in tree.files.items() if rel.endswith(".py") and b"allow_abbrev" in b
    )
    facts["parser_allow_abbrev"] = (
        None if passes else HAND_ENCODED["allow_abbrev"]["value"],
        f"{fn}: allow_abbrev appears in {passes}"
        if passes
        else f"hand-encoded: {HAND_ENCODED['allow_abbrev']['source']} ({{file}})",
    )
    facts.update(request_defaults(tree, fn))
    facts["env_unknown_warning"] = env_validation(tree, fn)
    registry, registry_src = env_registry(tree)
    facts["env_registry"] = (bool(registry), f"{fn} {registry_src}")
    env = {name: False for name in env_mentions(dist)}
    env.update({name: True for name in registry})
    return Snapshot(
        v, dist, serve_opts, api_opts, positionals, behaviour, facts, entry, interp.warnings, env
    )


# ------------------------------------------------------------------------------------------
# Merging snapshots into version ranges
# ------------------------------------------------------------------------------------------
OUTPUT_KEYS = (
    "since", "until", "arity", "aliases", "negatable", "choices", "default", "default_expr",
    "nargs", "type", "action", "deprecated", "serve_only",
)  # fmt: skip
SPLIT_KEYS = ("arity", "aliases", "negatable", "choices", "default", "nargs")


def merge(snaps: list[Snapshot]) -> dict[str, Any]:
    snaps = sorted(snaps, key=lambda s: V(s.version))
    vers = [s.version for s in snaps]

    def until_after(i: int) -> str | None:
        return vers[i + 1] if i + 1 < len(vers) else None

    # Options: union over the serve parser (api_server where vllm serve does not exist).
    table: dict[str, list[dict[str, Any]]] = {}
    for i, s in enumerate(snaps):
        opts = s.serve if s.serve else s.api_server
        for name, o in opts.items():
            entry = {k: o.get(k) for k in SPLIT_KEYS if o.get(k) is not None or k != "nargs"}
            for k in ("type", "action", "deprecated", "default_expr"):
                if o.get(k) is not None:
                    entry[k] = o[k]
            if s.serve and name not in s.api_server:
                entry["serve_only"] = True
            lst = table.setdefault(name, [])
            if lst and lst[-1]["_last"] == i - 1 and _same(lst[-1], entry):
                lst[-1]["_last"] = i
                continue
            entry["since"] = s.version
            entry["_first"] = i
            entry["_last"] = i
            lst.append(entry)
    options = []
    for name in sorted(table):
        for e in table[name]:
            e["until"] = until_after(e.pop("_last"))
            e.pop("_first")
            out = {"name": name}
            for k in OUTPUT_KEYS:
                if k in e and (e[k] not in (None, False, []) or k in ("default", "until")):
                    out[k] = e[k]
            if not out.get("aliases"):
                out.pop("aliases", None)
            options.append(out)

    # VLLM_* environment variables: one entry per run of snapshots with the same registry flag.
    env_runs: dict[str, list[dict[str, Any]]] = {}
    for i, s in enumerate(snaps):
        for name, in_registry in s.env.items():
            lst = env_runs.setdefault(name, [])
            if lst and lst[-1]["_last"] == i - 1 and lst[-1]["registry"] == in_registry:
                lst[-1]["_last"] = i
                continue
            lst.append({"since": s.version, "registry": in_registry, "_last": i})
    env_vars = []
    for name in sorted(env_runs):
        for e in env_runs[name]:
            env_vars.append(
                {"name": name, "since": e["since"], "until": until_after(e["_last"]),
                 "registry": e["registry"]}
            )  # fmt: skip

    # Facts a wheel cannot show (the Dockerfile) come from the neighbouring sdists.
    for i, s in enumerate(snaps):
        for k, (val, src) in list(s.facts.items()):
            if val != INHERIT:
                continue
            prev = next((x for x in reversed(snaps[:i]) if x.dist.kind == "sdist"), None)
            nxt = next((x for x in snaps[i + 1 :] if x.dist.kind == "sdist"), None)
            if prev and nxt and prev.facts[k][0] == nxt.facts[k][0]:
                s.facts[k] = (
                    prev.facts[k][0],
                    f"{src}; {prev.dist.filename} and {nxt.dist.filename} agree",
                )
            else:
                s.facts[k] = (None, f"{src}; neighbouring sdists disagree")

    facts: dict[str, list[dict[str, Any]]] = {}
    for i, s in enumerate(snaps):
        for k, (val, src) in s.facts.items():
            lst = facts.setdefault(k, [])
            norm = _norm_src(src, s)
            if (
                lst
                and lst[-1]["value"] == val
                and lst[-1]["_last"] == i - 1
                and lst[-1]["_norm"] == norm
            ):
                lst[-1]["_last"] = i
                continue
            lst.append({"since": s.version, "value": val, "source": norm, "_last": i,
                        "_norm": norm})  # fmt: skip
    for lst in facts.values():
        for e in lst:
            e["until"] = until_after(e.pop("_last"))
            e.pop("_norm")

    return {
        "options": options,
        "env_vars": env_vars,
        "facts": facts,
        "snapshots": [
            {
                "version": s.version,
                "file": s.dist.filename,
                "sha256": s.dist.sha256,
                "kind": s.dist.kind,
                "options": len(s.serve or s.api_server),
            }  # fmt: skip
            for s in snaps
        ],
    }


def _norm_src(src: str, s: Snapshot) -> str:
    """A fact's source as a template: ``{version}``, ``{file}`` and ``{kind}`` stand for the
    snapshot's release, distribution file name and kind (sdist / wheel)."""
    out = src.replace(s.dist.filename, "{file}")
    out = re.sub(rf"(?<![\w.]){re.escape(s.version)}(?![\w])", "{version}", out)
    return out.replace(f" {s.dist.kind} ", " {kind} ")


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = set(a) | set(b)
    keys -= {"since", "_first", "_last", "until"}
    return all(a.get(k) == b.get(k) for k in keys)


def build(versions: list[str], cache: Path, downloader: str) -> dict[str, Any]:
    snaps = []
    for v in versions:
        dist = fetch(v, cache, downloader)
        s = snapshot(dist)
        n = len(s.serve or s.api_server)
        warn = f" ({len(s.warnings)} warnings)" if s.warnings else ""
        print(f"vllm {v}: {n} options ({dist.kind}){warn}", file=sys.stderr)
        snaps.append(s)
    merged = merge(snaps)
    data = {
        "_about": (
            "vLLM `vllm serve` / `python -m vllm.entrypoints.openai.api_server` options and "
            "launch facts per release, read statically from the PyPI sdists (wheel where a release "
            "has no sdist). Each option entry holds from `since` up to (excluding) `until` "
            "(null = still in the newest snapshot). Versions between two snapshots take the older "
            "snapshot's data. `env_vars`: the VLLM_* environment variables each release names "
            "(`registry`: declared in vllm/envs.py environment_variables; false: only written "
            "elsewhere in vLLM's own files: the package, its build and its images). "
            "Generated by scripts/snapshot_vllm_cli.py; do not edit by hand."
        ),
        "_generated_by": "scripts/snapshot_vllm_cli.py",
        "_source": [
            {
                "version": s["version"],
                "file": s["file"],
                "sha256": s["sha256"],
                "kind": s["kind"],
            }  # fmt: skip
            for s in merged["snapshots"]
        ],
        "_hand_encoded": HAND_ENCODED,
        "versions": [s["version"] for s in merged["snapshots"]],
        "options": merged["options"],
        "env_vars": merged["env_vars"],
        "facts": merged["facts"],
    }
    return data


def dump(data: dict[str, Any]) -> str:
    """JSON with one option / fact entry / source per line (compact and diff-friendly)."""

    def one(x: Any) -> str:
        return json.dumps(x, ensure_ascii=False)

    lines = ["{"]
    keys = list(data)
    for i, k in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        v = data[k]
        if k in ("options", "_source", "env_vars"):
            lines.append(f" {one(k)}: [")
            lines += [f"  {one(x)}{',' if j < len(v) - 1 else ''}" for j, x in enumerate(v)]
            lines.append(f" ]{comma}")
        elif k in ("facts", "_hand_encoded"):
            lines.append(f" {one(k)}: {{")
            names = list(v)
            for j, n in enumerate(names):
                c2 = "," if j < len(names) - 1 else ""
                if isinstance(v[n], list):
                    lines.append(f"  {one(n)}: [")
                    lines += [
                        f"   {one(x)}{',' if m < len(v[n]) - 1 else ''}" for m, x in enumerate(v[n])
                    ]
                    lines.append(f"  ]{c2}")
                else:
                    lines.append(f"  {one(n)}: {one(v[n])}{c2}")
            lines.append(f" }}{comma}")
        else:
            lines.append(f" {one(k)}: {one(v)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--versions", nargs="+", help="releases to snapshot")
    ap.add_argument("--quick", action="store_true", help="only the representative set")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--downloader", choices=["index", "pip"], default="index")
    ap.add_argument("--check", action="store_true", help="exit 1 if --out differs")
    ap.add_argument("--dump", action="store_true", help="print the options of each snapshot")
    args = ap.parse_args(argv)
    if args.versions:
        versions = sorted(args.versions, key=V)
    elif args.quick:
        versions = sorted(QUICK_VERSIONS, key=V)
    else:
        # deploylint/data/releases.json is the PyPI release list (scripts/snapshot_releases.py).
        rel = json.loads((ROOT / "deploylint" / "data" / "releases.json").read_text())
        versions = sorted((r for r in rel["releases"]["vllm"] if V(r) >= V(MIN_VERSION)), key=V)
    if args.dump:
        for v in versions:
            s = snapshot(fetch(v, args.cache, args.downloader))
            print(f"== {v} serve={s.serve is not None} parser={s.parser}")
            for _, o in sorted((s.serve or s.api_server).items()):
                print(" ", json.dumps({k: x for k, x in o.items() if not k.startswith("_")}))
            for k, fv in s.facts.items():
                print(f"  fact {k} = {fv[0]!r}  [{fv[1]}]")
            for w in s.warnings:
                print("  warning:", w)
        return 0
    data = build(versions, args.cache, args.downloader)
    text = dump(data)
    if args.check:
        old = args.out.read_text() if args.out.exists() else ""
        if old != text:
            print(f"{args.out} is stale", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text)
    print(f"wrote {args.out} ({len(text)} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
