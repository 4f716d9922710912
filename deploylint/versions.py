"""Version numbers and requirement specifiers (the PEP 440 subset real pins use)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

_VER = re.compile(
    r"^v?(?P<rel>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre>a|b|rc|alpha|beta|pre|preview)[-_.]?(?P<pren>\d*))?"
    r"(?:[-_.]?(?:post|p)[-_.]?(?P<post>\d+))?"
    r"(?:[-_.]?dev[-_.]?(?P<dev>\d*))?",
    re.I,
)


#: Longest version text read; anything longer (from a scanned file) is not a version.
MAX_VERSION_TEXT = 128


@total_ordering
@dataclass(frozen=True)
class Version:
    release: tuple[int, ...]
    pre: tuple[str, int] | None = None
    post: int | None = None
    dev: int | None = None
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> Version | None:
        t = text.strip()
        if len(t) > MAX_VERSION_TEXT:  # `1.1.1.…`, a 5000-digit number: not a release
            return None
        m = _VER.match(t)
        if not m:
            return None
        rel = tuple(int(x) for x in m.group("rel").split("."))
        pre = None
        if m.group("pre"):
            p = m.group("pre").lower()
            p = {"alpha": "a", "beta": "b", "pre": "rc", "preview": "rc"}.get(p, p)
            pre = (p, int(m.group("pren") or 0))
        post = int(m.group("post")) if m.group("post") else None
        dev = int(m.group("dev") or 0) if m.group("dev") is not None else None
        return cls(rel, pre, post, dev, t)

    def _key(self) -> tuple:
        rel = (
            self.release + (0,) * (4 - len(self.release)) if len(self.release) < 4 else self.release
        )
        if self.pre is None and self.post is None and self.dev is not None:
            pre_key: tuple = (-2, "", 0)
        elif self.pre is None:
            pre_key = (1, "", 0)
        else:
            pre_key = (0, self.pre[0], self.pre[1])
        post_key = -1 if self.post is None else self.post
        dev_key = float("inf") if self.dev is None else self.dev
        return (rel, pre_key, post_key, dev_key)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return (
            ".".join(str(x) for x in self.release)
            + (f"{self.pre[0]}{self.pre[1]}" if self.pre else "")
            + (f".post{self.post}" if self.post is not None else "")
        )


def V(text: str) -> Version:
    v = Version.parse(text)
    if v is None:
        raise ValueError(f"not a version: {text!r}")
    return v


_SPEC = re.compile(r"\s*(===|==|!=|~=|>=|<=|>|<)\s*([^\s,;]+)\s*")


@dataclass(frozen=True)
class Specifier:
    clauses: tuple[tuple[str, str], ...]
    text: str

    @classmethod
    def parse(cls, text: str) -> Specifier | None:
        t = text.strip()
        if not t:
            return cls((), "")
        clauses = []
        for part in t.split(","):
            if not part.strip():
                continue
            m = _SPEC.fullmatch(part)
            if not m:
                return None
            clauses.append((m.group(1), m.group(2)))
        return cls(tuple(clauses), t)

    @property
    def exact(self) -> str | None:
        for op, v in self.clauses:
            if op in ("==", "===") and "*" not in v:
                return v
        return None

    def contains(self, version: Version) -> bool:
        for op, vtext in self.clauses:
            if op in ("==", "===", "!=") and vtext.endswith(".*"):
                prefix = V(vtext[:-2]).release
                match = version.release[: len(prefix)] == prefix
                if (op == "!=") == match:
                    return False
                continue
            other = Version.parse(vtext)
            if other is None:
                return False
            if op in ("==", "==="):
                if version != other:
                    return False
            elif op == "!=":
                if version == other:
                    return False
            elif op == ">=":
                if version < other:
                    return False
            elif op == "<=":
                if version > other:
                    return False
            elif op == ">":
                if version <= other:
                    return False
            elif op == "<":
                if version >= other:
                    return False
            elif op == "~=":
                rel = other.release
                upper = rel[:-1]
                if version < other or version.release[: len(upper)] != upper:
                    return False
        return True


def newest_matching(spec: Specifier, releases: list[str]) -> str | None:
    best: Version | None = None
    best_text = None
    for r in releases:
        v = Version.parse(r)
        if v is None or v.pre is not None or v.dev is not None:
            continue
        if spec.contains(v) and (best is None or v > best):
            best, best_text = v, r
    return best_text
