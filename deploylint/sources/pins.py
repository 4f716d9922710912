"""Version pins: requirements*.txt, constraints*.txt, pyproject.toml, `pip install` commands."""

from __future__ import annotations

import re
import sys

from ..engines import PACKAGE_ENGINES
from ..facts import Diagnostic, Pin
from ..location import Loc, SourceFile
from . import FileFacts

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_REQ = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._\-]*)\s*(?:\[[^\]]*\])?\s*"
    r"(?P<spec>(?:(?:===|==|!=|~=|>=|<=|>|<)\s*[^\s,;#]+\s*,?\s*)*)"
)
_PIP_INSTALL = re.compile(
    r"\b(?:pip3?|python3?\s+-m\s+pip|uv\s+pip)\s+install\b(?P<args>[^\n;&|]*)", re.I
)
_ARG = re.compile(
    r"""(?P<q>['"]?)(?P<req>[A-Za-z0-9][A-Za-z0-9._\-]*(?:\[[^\]]*\])?(?:\s*(?:===|==|!=|~=|>=|<=|>|<)\s*[^\s'",;]+(?:\s*,\s*(?:===|==|!=|~=|>=|<=|>|<)\s*[^\s'",;]+)*)?)(?P=q)"""
)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _interesting(name: str) -> bool:
    return normalize(name) in PACKAGE_ENGINES


def _req_pin(line_text: str, sf: SourceFile, line: int, kind: str) -> Pin | None:
    body = line_text.split("#", 1)[0].split(";", 1)[0]
    if not body.strip() or body.lstrip().startswith("-"):
        return None
    m = _REQ.match(body)
    if not m or not _interesting(m.group("name")):
        return None
    spec = re.sub(r"\s+", "", m.group("spec") or "").rstrip(",")
    col = body.index(m.group("name")) + 1
    return Pin(
        normalize(m.group("name")),
        spec,
        Loc(sf.path, line, col, line, col + len(body.strip())),
        kind,
    )


def parse_requirements(sf: SourceFile, facts: FileFacts) -> None:
    kind = "constraints" if sf.path.name.lower().startswith("constraints") else "requirements"
    for i, line in enumerate(sf.lines, 1):
        pin = _req_pin(line, sf, i, kind)
        if pin is not None:
            _add_pin(pin, facts)


#: Longest version specifier read (`vllm==1.1.1.…` twenty thousand times is not a version).
MAX_SPEC = 256


def _add_pin(pin: Pin, facts: FileFacts) -> None:
    if len(pin.spec) > MAX_SPEC:
        msg = (
            f"the version specifier of `{pin.package}` is {len(pin.spec)} characters long: "
            "not a version; not used"
        )
        facts.diagnostics.append(Diagnostic(pin.loc, msg, f"spec:{pin.package}"))
        return
    facts.pins.append(pin)


def parse_pyproject(sf: SourceFile, facts: FileFacts) -> None:
    try:
        data = tomllib.loads(sf.text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+), column (\d+)", str(e))
        line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
        facts.diagnostics.append(
            Diagnostic(Loc(sf.path, line, col, line, col + 1), f"invalid TOML: {e}", "toml")
        )
        return
    reqs: list[str] = []
    project = data.get("project", {})
    if isinstance(project, dict):
        deps = project.get("dependencies", [])
        if isinstance(deps, list):
            reqs.extend(d for d in deps if isinstance(d, str))
        opt = project.get("optional-dependencies", {})
        if isinstance(opt, dict):
            for group in opt.values():
                if isinstance(group, list):
                    reqs.extend(d for d in group if isinstance(d, str))
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    poetry_deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if isinstance(poetry_deps, dict):  # a table; anything else is not Poetry's format
        for name, spec in poetry_deps.items():
            if isinstance(spec, dict):
                spec = spec.get("version", "")
            if isinstance(spec, str):
                spec = spec.strip()
                if re.fullmatch(r"\d[\w.]*", spec):
                    spec = "==" + spec
                elif spec.startswith("^") or spec.startswith("~"):
                    spec = ">=" + spec[1:]
                elif spec == "*":
                    spec = ""
                reqs.append(f"{name}{spec}")
    for req in reqs:
        m = _REQ.match(req)
        if not m or not _interesting(m.group("name")):
            continue
        name = m.group("name")
        line = _find_line(sf, name)
        col = sf.line_text(line).find(name) + 1 if line else 1
        spec = re.sub(r"\s+", "", m.group("spec") or "").rstrip(",")
        _add_pin(
            Pin(
                normalize(name),
                spec,
                Loc(sf.path, line, max(col, 1), line, max(col, 1) + len(req)),
                "pyproject",
            ),
            facts,
        )


def _find_line(sf: SourceFile, name: str) -> int:
    rx = re.compile(r"""(^|["'\s])""" + re.escape(name) + r"""(\b|["'\s=<>~!\[])""", re.I)
    for i, line in enumerate(sf.lines, 1):
        if rx.search(line):
            return i
    return 1


def pins_from_commands(sf: SourceFile, kind: str) -> list[Pin]:
    """`pip install vllm==0.6.0` in a shell script or Dockerfile RUN."""
    text = sf.text
    if "install" not in text:
        return []
    out: list[Pin] = []
    for m in _PIP_INSTALL.finditer(text):
        args = m.group("args")
        base = m.start("args")
        for a in _ARG.finditer(args):
            req = a.group("req")
            rm = _REQ.match(req)
            if not rm or not _interesting(rm.group("name")):
                continue
            if args[: a.start()].rstrip().endswith(("-r", "-c", "--requirement", "--constraint")):
                continue
            start = base + a.start("req")
            line, col = sf.offset_to_linecol(start)
            spec = re.sub(r"\s+", "", rm.group("spec") or "").rstrip(",")
            if len(spec) > MAX_SPEC:
                continue  # not a version (reported where pins are files of their own)
            out.append(
                Pin(
                    normalize(rm.group("name")),
                    spec,
                    Loc(sf.path, line, col, line, col + len(req)),
                    kind,
                )
            )
    return out


def parse(sf: SourceFile, facts: FileFacts) -> None:
    if sf.kind == "pyproject":
        parse_pyproject(sf, facts)
    else:
        parse_requirements(sf, facts)
