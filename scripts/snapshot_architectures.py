#!/usr/bin/env python3
"""Snapshot which model architectures each release of transformers, vLLM, SGLang and LMDeploy
knows, into ``deploylint/data/architectures.json``.

Every release is read **statically** from its PyPI distribution: nothing is imported, built or
executed.

* **transformers** — the model types ``AutoConfig`` knows: the keys of ``CONFIG_MAPPING_NAMES``
  (``transformers/models/auto/configuration_auto.py``; from 5.x also
  ``transformers/models/auto/auto_mappings.py``). A ``config.json`` whose ``model_type`` is not
  a key fails with "The checkpoint you are trying to load has model type `X` but Transformers
  does not recognize this architecture".
* **vLLM** — the architecture names of its model registry: the keys of the module-level
  ``_*_MODELS`` dicts of ``vllm/model_executor/models/registry.py`` (``__init__.py`` before the
  registry module existed). Read from the sdists that ``scripts/snapshot_vllm_cli.py`` caches.
* **SGLang** — the ``EntryClass`` names of ``sglang/srt/models/*.py`` (SGLang's registry imports
  each module and registers its ``EntryClass``).
* **LMDeploy** — the keys of ``MODULE_MAP`` (PyTorch engine,
  ``lmdeploy/pytorch/models/module_map.py``) and of ``SUPPORTED_ARCHS`` (TurboMind,
  ``lmdeploy/turbomind/supported_models.py``), kept apart.

transformers, SGLang and LMDeploy wheels are read with HTTP range requests (the zip central
directory, then only the members needed); the file names, sha256 and upload times come from the
PEP 691 JSON page of the PyPI simple index (the index pip reads). Each name's entries give the
releases ``since <= v < until`` (``until`` null: still in the newest release read) in which the
release knows it. Releases older than the first one read are not described.

Usage::

    python scripts/snapshot_architectures.py            # every final release since FIRST
    python scripts/snapshot_architectures.py --check    # exit 1 if the data file is stale
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import struct
import sys
import urllib.request
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from deploylint.versions import V  # noqa: E402

DEFAULT_OUT = ROOT / "deploylint" / "data" / "architectures.json"
INDEX = "https://pypi.org/simple/{}/"

# The first release read per package: older ones are not described by the data.
FIRST = {"transformers": "4.30.0", "vllm": "0.4.3", "sglang": "0.2.0", "lmdeploy": "0.2.0"}


# -- the index and remote zips -----------------------------------------------------------------
def index(package: str) -> dict[str, Any]:
    req = urllib.request.Request(
        INDEX.format(package), headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)


def _range(url: str, start: int, end: int) -> bytes:
    req = urllib.request.Request(url, headers={"Range": f"bytes={start}-{end}"})
    with urllib.request.urlopen(req, timeout=300) as r:
        if r.status != 206:
            raise SystemExit(f"{url}: the server ignores range requests")
        return r.read()


class RemoteZip:
    """A zip archive on a server that answers range requests."""

    def __init__(self, url: str, size: int):
        self.url = url
        tail = _range(url, max(0, size - 65536 - 22), size - 1)
        i = tail.rfind(b"PK\x05\x06")
        if i < 0:
            raise SystemExit(f"{url}: no end of central directory (zip64 not handled)")
        cd_size, cd_off = struct.unpack("<II", tail[i + 12 : i + 20])
        cd = _range(url, cd_off, cd_off + cd_size - 1)
        self.members: dict[str, tuple[int, int, int]] = {}
        p = 0
        while cd[p : p + 4] == b"PK\x01\x02":
            (method,) = struct.unpack("<H", cd[p + 10 : p + 12])
            (csize,) = struct.unpack("<I", cd[p + 20 : p + 24])
            nlen, elen, clen = struct.unpack("<HHH", cd[p + 28 : p + 34])
            (off,) = struct.unpack("<I", cd[p + 42 : p + 46])
            name = cd[p + 46 : p + 46 + nlen].decode("utf-8")
            self.members[name] = (off, csize, method)
            p += 46 + nlen + elen + clen

    def read(self, names: list[str]) -> dict[str, bytes]:
        """The members ``names``, fetched in as few requests as their offsets allow."""
        names = sorted(names, key=lambda n: self.members[n][0])
        groups: list[list[Any]] = []
        for n in names:
            off, csize, _ = self.members[n]
            end = off + 30 + 2048 + csize
            if groups and off - groups[-1][1] < 256 * 1024:
                groups[-1][1] = max(groups[-1][1], end)
                groups[-1][2].append(n)
            else:
                groups.append([off, end, [n]])
        out: dict[str, bytes] = {}
        for start, end, members in groups:
            blob = _range(self.url, start, end)
            for n in members:
                off, csize, method = self.members[n]
                b = blob[off - start :]
                if b[:4] != b"PK\x03\x04":
                    raise SystemExit(f"{self.url}: bad local header for {n}")
                nlen, elen = struct.unpack("<HH", b[26:30])
                data = b[30 + nlen + elen : 30 + nlen + elen + csize]
                out[n] = zlib.decompress(data, -15) if method == 8 else data
        return out


def releases(idx: dict[str, Any], package: str) -> list[tuple[str, dict[str, Any]]]:
    """(version, chosen wheel) of every final release since FIRST that
    ``deploylint/data/releases.json`` lists (the release list every other data file follows),
    oldest first."""
    listed = set(
        json.loads((ROOT / "deploylint" / "data" / "releases.json").read_text())["releases"][
            package
        ]
    )
    prefix = package.replace("-", "_")
    by_version: dict[str, list[dict[str, Any]]] = {}
    for f in idx["files"]:
        name = f["filename"]
        if not name.endswith(".whl") or f.get("yanked"):
            continue
        m = re.match(rf"^{re.escape(prefix)}-([^-]+)-", name)
        if not m:
            continue
        by_version.setdefault(m.group(1), []).append(f)
    out = []
    for ver, files in by_version.items():
        v = V(ver)
        if v.is_prerelease or v < V(FIRST[package]) or ver not in listed:
            continue
        # Linux wheels first (every release has one), then the smallest.
        files.sort(key=lambda f: ("manylinux" not in f["filename"] and "none-any" not in
                                  f["filename"], f.get("size") or 0))  # fmt: skip
        out.append((ver, files[0]))
    return sorted(out, key=lambda x: V(x[0]))


def _source(ver: str, f: dict[str, Any], what: str) -> dict[str, Any]:
    return {
        "version": ver,
        "file": f["filename"],
        "sha256": f["hashes"].get("sha256"),
        "uploaded": (f.get("upload-time") or "")[:10],
        "read": what,
    }


# -- readers ------------------------------------------------------------------------------------
def _string_keys(node: ast.AST) -> set[str]:
    """String keys of dict literals, ``dict(k=...)`` calls and ``[("k", ...)]`` pair lists."""
    keys: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Dict):
            keys.update(k.value for k in n.keys if isinstance(k, ast.Constant) and
                        isinstance(k.value, str))  # fmt: skip
        elif isinstance(n, ast.Call) and getattr(n.func, "id", "") == "dict":
            keys.update(kw.arg for kw in n.keywords if kw.arg)
        elif (
            isinstance(n, ast.Tuple)
            and len(n.elts) == 2
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in n.elts)
        ):
            keys.add(n.elts[0].value)  # type: ignore[union-attr]
    return keys


def _assigned_keys(tree: ast.Module, name: str) -> set[str] | None:
    """Keys given to ``name`` by assignments and ``name.update(...)`` at any level; None when the
    module never assigns it."""
    found = False
    keys: set[str] = set()
    for node in ast.walk(tree):
        value = None
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            value = node.value
        elif isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == name:
            value = node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
            and getattr(node.func.value, "id", "") == name
        ):
            value = node
        if value is not None:
            found = True
            keys |= _string_keys(value)
    return keys if found else None


def transformers_types(z: RemoteZip) -> set[str]:
    names = [
        n
        for n in (
            "transformers/models/auto/configuration_auto.py",
            "transformers/models/auto/auto_mappings.py",
        )
        if n in z.members
    ]
    got = z.read(names)
    keys: set[str] = set()
    for n in names:
        k = _assigned_keys(ast.parse(got[n]), "CONFIG_MAPPING_NAMES")
        if k:
            keys |= k
    if len(keys) < 100:
        raise SystemExit(f"{z.url}: only {len(keys)} model types found")
    return keys


def sglang_architectures(z: RemoteZip) -> set[str]:
    names = [n for n in z.members if re.fullmatch(r"sglang/srt/models/[^/]+\.py", n)]
    got = z.read(names)
    out: set[str] = set()
    for text in got.values():
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                getattr(t, "id", "") == "EntryClass" for t in node.targets
            ):
                out.update(n.id for n in ast.walk(node.value) if isinstance(n, ast.Name))
                out.update(n.attr for n in ast.walk(node.value) if isinstance(n, ast.Attribute))
    if len(out) < 10:
        raise SystemExit(f"{z.url}: only {len(out)} EntryClass names found")
    return out


def _supported(tree: ast.Module, name: str) -> set[str]:
    """Names of ``name = dict(A=True, B="x", C=False, ...)`` (or a dict literal) whose value is
    not ``False`` (LMDeploy lists unsupported architectures with False)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Assign) and any(getattr(t, "id", "") == name for t in node.targets)
        ):
            continue
        v = node.value
        pairs: list[tuple[str, ast.expr]] = []
        if isinstance(v, ast.Call) and getattr(v.func, "id", "") == "dict":
            pairs = [(kw.arg, kw.value) for kw in v.keywords if kw.arg]
        elif isinstance(v, ast.Dict):
            pairs = [
                (k.value, val)
                for k, val in zip(v.keys, v.values, strict=False)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            ]
        for k, val in pairs:
            if not (isinstance(val, ast.Constant) and val.value is False):
                out.add(k)
    return out


def lmdeploy_architectures(z: RemoteZip) -> tuple[set[str], set[str], str]:
    """(PyTorch engine, TurboMind, what was read). The PyTorch engine's list is
    ``lmdeploy/pytorch/supported_models.py`` SUPPORTED_ARCHS where the release has it, else the
    architecture keys of ``MODULE_MAP``."""
    pt_list = "lmdeploy/pytorch/supported_models.py"
    pt_map = "lmdeploy/pytorch/models/module_map.py"
    tm = "lmdeploy/turbomind/supported_models.py"
    got = z.read([n for n in (pt_list, pt_map, tm) if n in z.members])
    camel = re.compile(r"^[A-Z][A-Za-z0-9_]+$")
    read = []
    # From 0.6.0 MODULE_MAP maps architectures to the engine's own model classes (what
    # build_model_from_hf_config looks up); before, it patched transformers modules and
    # pytorch/supported_models.py _SUPPORTED_ARCHS listed what the engine runs.
    pytorch = set()
    if pt_map in got:
        pytorch = {
            k
            for k in (_assigned_keys(ast.parse(got[pt_map]), "MODULE_MAP") or set())
            if camel.match(k)
        }
        if pytorch:
            read.append(f"{pt_map} MODULE_MAP")
    if not pytorch and pt_list in got:
        t = ast.parse(got[pt_list])
        pytorch = _supported(t, "_SUPPORTED_ARCHS") | _supported(t, "SUPPORTED_ARCHS")
        read.append(f"{pt_list} _SUPPORTED_ARCHS")
    turbomind: set[str] = set()
    if tm in got:
        t = ast.parse(got[tm])
        turbomind = _supported(t, "SUPPORTED_ARCHS") | _supported(t, "_SUPPORTED_ARCHS")
        read.append(f"{tm} SUPPORTED_ARCHS")
    return pytorch, turbomind, ", ".join(read)


def vllm_architectures(version: str, cache: Path) -> tuple[set[str], str, dict[str, Any]]:
    import snapshot_vllm_cli as S

    dist = S.fetch(version, cache)
    tree = S.SourceTree(dist)
    for mod in ("vllm.model_executor.models.registry", "vllm.model_executor.models"):
        m = tree.module_ast(mod)
        if m is None:
            continue
        keys: set[str] = set()
        for node in m.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and re.fullmatch(r"_[A-Z0-9_]*MODELS", node.targets[0].id)
                and isinstance(node.value, ast.Dict)
            ):
                keys |= {
                    k.value
                    for k in node.value.keys
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                }
        if keys:
            rel = mod.replace(".", "/") + (".py" if mod.endswith("registry") else "/__init__.py")
            src = {
                "version": version,
                "file": dist.filename,
                "sha256": dist.sha256,
                "read": f"{rel} _*_MODELS",
            }
            return keys, rel, src
    raise SystemExit(f"vllm {version}: no model registry found")


# -- merging ------------------------------------------------------------------------------------
def ranges(snaps: list[tuple[str, set[str]]]) -> list[dict[str, Any]]:
    """One entry per name and run of consecutive releases that know it."""
    runs: dict[str, list[list[Any]]] = {}
    for i, (_, names) in enumerate(snaps):
        for n in names:
            lst = runs.setdefault(n, [])
            if lst and lst[-1][1] == i - 1:
                lst[-1][1] = i
            else:
                lst.append([i, i])
    out = []
    for n in sorted(runs):
        for a, b in runs[n]:
            out.append(
                {
                    "name": n,
                    "since": snaps[a][0],
                    "until": snaps[b + 1][0] if b + 1 < len(snaps) else None,
                }
            )
    return out


def build(cache: Path, only: list[str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "_about": (
            "Model architectures each release knows, read statically from the PyPI "
            "distributions by scripts/snapshot_architectures.py (do not edit by hand). "
            "transformers: config.json model_type values AutoConfig knows (CONFIG_MAPPING_NAMES). "
            "vllm / sglang / lmdeploy_pytorch / lmdeploy_turbomind: config.json architectures "
            "names the engine implements (vLLM model registry _*_MODELS; SGLang EntryClass of "
            "sglang/srt/models/*.py; LMDeploy MODULE_MAP and SUPPORTED_ARCHS). Each entry: the "
            "releases since <= v < until (until null = still in the newest release read). "
            "Releases before `first` are not described."
        ),
        "_generated_by": "scripts/snapshot_architectures.py",
    }
    for package in ("transformers", "vllm", "sglang", "lmdeploy"):
        if only and package not in only:
            continue
        idx = index(package)
        sources: list[dict[str, Any]] = []
        if package == "vllm":
            import snapshot_vllm_cli as S

            uploaded = {}
            for f in idx["files"]:
                m = re.match(r"^vllm-([^-]+?)(?:\.tar\.gz|-)", f["filename"])
                if m:
                    day = (f.get("upload-time") or "")[:10]
                    uploaded[m.group(1)] = min(filter(None, [uploaded.get(m.group(1)), day]))
            vers = json.loads((ROOT / "deploylint" / "data" / "vllm_cli.json").read_text())[
                "versions"
            ]
            snaps = []
            for v in vers:
                names, _rel, src = vllm_architectures(v, S.DEFAULT_CACHE)
                src["uploaded"] = uploaded.get(v, "")
                sources.append(src)
                snaps.append((v, names))
                print(f"vllm {v}: {len(names)} architectures", file=sys.stderr)
            data["vllm"] = _table(package, snaps, sources, "architecture")
            continue
        wheels = releases(idx, package)
        snaps_a: list[tuple[str, set[str]]] = []
        snaps_b: list[tuple[str, set[str]]] = []
        for ver, f in wheels:
            z = RemoteZip(f["url"], f["size"])
            if package == "transformers":
                names = transformers_types(z)
                what = "transformers/models/auto/configuration_auto.py CONFIG_MAPPING_NAMES"
                if "transformers/models/auto/auto_mappings.py" in z.members:
                    what += " (+ auto_mappings.py)"
                snaps_a.append((ver, names))
            elif package == "sglang":
                names = sglang_architectures(z)
                what = "sglang/srt/models/*.py EntryClass"
                snaps_a.append((ver, names))
            else:
                pt, tm, what = lmdeploy_architectures(z)
                names = pt | tm
                if not pt:
                    print(f"lmdeploy {ver}: no architecture list, skipped", file=sys.stderr)
                    continue
                snaps_a.append((ver, pt))
                snaps_b.append((ver, tm))
            sources.append(_source(ver, f, what))
            print(f"{package} {ver}: {len(names)}", file=sys.stderr)
        if package == "lmdeploy":
            data["lmdeploy_pytorch"] = _table(package, snaps_a, sources, "architecture")
            data["lmdeploy_turbomind"] = _table(package, snaps_b, sources, "architecture")
        else:
            kind = "model_type" if package == "transformers" else "architecture"
            data[package] = _table(package, snaps_a, sources, kind)
    return data


def _table(
    package: str, snaps: list[tuple[str, set[str]]], sources: list[dict[str, Any]], kind: str
) -> dict[str, Any]:
    return {
        "kind": kind,
        "first": snaps[0][0],
        "versions": [v for v, _ in snaps],
        "sources": sources,
        "entries": ranges(snaps),
    }


def dump(data: dict[str, Any]) -> str:
    """One entry or source per line (compact and diff-friendly)."""

    def one(x: Any) -> str:
        return json.dumps(x, ensure_ascii=False)

    lines = ["{"]
    keys = list(data)
    for i, k in enumerate(keys):
        comma = "," if i < len(keys) - 1 else ""
        v = data[k]
        if not isinstance(v, dict):
            lines.append(f" {one(k)}: {one(v)}{comma}")
            continue
        lines.append(f" {one(k)}: {{")
        sub = list(v)
        for j, sk in enumerate(sub):
            c2 = "," if j < len(sub) - 1 else ""
            sv = v[sk]
            if sk in ("sources", "entries"):
                lines.append(f"  {one(sk)}: [")
                lines += [f"   {one(x)}{',' if m < len(sv) - 1 else ''}" for m, x in enumerate(sv)]
                lines.append(f"  ]{c2}")
            else:
                lines.append(f"  {one(sk)}: {one(sv)}{c2}")
        lines.append(f" }}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="exit 1 if --out differs")
    ap.add_argument("--cache", type=Path, default=None, help="vLLM sdist cache")
    ap.add_argument(
        "--only", nargs="+", help="rebuild these packages and keep the rest of --out as it is"
    )
    args = ap.parse_args(argv)
    import snapshot_vllm_cli as S

    data = build(args.cache or S.DEFAULT_CACHE, args.only)
    if args.only and args.out.exists():
        old = json.loads(args.out.read_text())
        for k, v in data.items():
            old[k] = v
        data = old
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
