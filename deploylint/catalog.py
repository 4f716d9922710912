"""The rules catalog: one Markdown document per rule in ``rules/`` (shipped in the wheel as
``deploylint/_rules``). It is the single source for ``deploylint rules``, ``deploylint explain``,
SARIF rule metadata, and the documentation; its examples run as tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

SECTIONS = ("What it finds", "Why it matters", "Example", "Fix", "Verify", "References")


@dataclass
class Rule:
    code: str
    name: str
    severity: str
    summary: str
    status: str = "stable"
    engines: list[str] = field(default_factory=list)
    module: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    body: str = ""
    path: Path | None = None

    @property
    def doc(self) -> str:
        return self.body


def rules_dir() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "_rules"
    if packaged.is_dir():
        return packaged
    return here.parent / "rules"


_FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)


def parse_rule(path: Path) -> Rule:
    import yaml

    text = path.read_text(encoding="utf-8")
    m = _FRONT.match(text)
    if not m:
        raise ValueError(f"{path}: missing front matter")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser: 10× faster
    meta = yaml.load(m.group(1), Loader=loader) or {}  # noqa: S506 - a safe loader
    body = m.group(2)
    sections: dict[str, str] = {}
    current = None
    buf: list[str] = []
    for line in body.splitlines():
        h = re.match(r"^## (.+?)\s*$", line)
        if h:
            if current is not None:
                sections[current] = "\n".join(buf).strip()
            current, buf = h.group(1), []
        elif current is not None:
            buf.append(line)
    if current is not None:
        sections[current] = "\n".join(buf).strip()
    return Rule(
        code=str(meta["code"]),
        name=str(meta["name"]),
        severity=str(meta.get("severity", "warning")),
        summary=str(meta.get("summary", "")).strip(),
        status=str(meta.get("status", "stable")),
        engines=list(meta.get("engines") or []),
        module=meta.get("module"),
        meta=meta,
        sections=sections,
        body=text,
        path=path,
    )


@lru_cache(maxsize=1)
def catalog() -> dict[str, Rule]:
    out: dict[str, Rule] = {}
    d = rules_dir()
    for p in sorted(d.glob("DPL*.md")):
        r = parse_rule(p)
        out[r.code] = r
    return out


def by_name(name: str) -> Rule | None:
    for r in catalog().values():
        if r.name == name:
            return r
    return None


class SelectorError(ValueError):
    pass


def expand_selector(sel: str) -> set[str]:
    """Codes matched by a selector: a code, a code prefix (`DPL2`), a rule name, or `ALL`."""
    s = sel.strip()
    cat = catalog()
    if s.upper() == "ALL":
        return set(cat)
    up = s.upper()
    codes = {c for c in cat if c.startswith(up)} if re.fullmatch(r"[A-Z]+\d*", up) else set()
    if codes:
        return codes
    r = by_name(s)
    if r is not None:
        return {r.code}
    raise SelectorError(
        f"unknown rule selector `{sel}` (a code like DPL201, a prefix like DPL2, "
        "a rule name, or ALL)"
    )


def selected_codes(select: list[str] | None, extend: list[str], ignore: list[str]) -> set[str]:
    cat = catalog()
    if select is None:
        chosen = {c for c, r in cat.items() if r.status != "preview"}
    else:
        chosen = set()
        for s in select:
            chosen |= expand_selector(s)
    for s in extend:
        chosen |= expand_selector(s)
    for s in ignore:
        chosen -= expand_selector(s)
    return chosen
