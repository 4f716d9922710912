"""Versions, version ranges and timelines: the one model for "which value applies at version X".

Every versioned fact and data file of deploylint answers through this module:

``Version``
    A PEP 440 version (``packaging.version``), reached through a tolerant pre-parse for the
    strings deploylint meets: image tags such as ``v0.7.3-cu12`` or ``0.5.6.post2-cu129-amd64``
    (the longest leading part that is a version), ``0.6.3.post1``, ``V0.7``. Text that names no
    version (``latest``, ``main@1a2b3c``, ``sglang==0.4.6``, junk) parses to None; nothing raises,
    and text longer than ``MAX_TEXT`` characters is refused before any parsing (no 5,000-digit
    components, no ``1.1.1.1…`` a megabyte long). Ordering is PEP 440's: ``0.9.0rc1 < 0.9.0 <
    0.9.0.post1 < 0.9.1.dev0 < 0.9.1``.

``Range``
    The versions ``[since, until)`` a fact holds for, compared in that order (so ``0.6.3.post1``
    is inside ``[0.6.3, 0.6.4)``, and ``0.10.0rc1`` is before ``0.10.0``). ``None`` is an open end.
    A bound may be **UNCONFIRMED**: the change is known to come *after* a version, but the first
    release that has it is not (SGLang's releases since December 2025 are git tags that the
    snapshot history lacks). Its text form is ``~X``:

    - ``since=~X``: first present somewhere after X. At X or before: outside. After X: unknown.
    - ``until=~X``: last present at X or later, gone by some release after X. At X or before:
      inside. After X: unknown.

    ``Range.contains`` answers True, False, or None (unknown); ``Range.parse("0.4.3..~0.5.6")``
    reads the ``SINCE..UNTIL`` form of the option tables (``registry.parse_option_table``).

``Timeline``
    Entries ``(Range, value, source)``. ``Timeline.at(version)`` returns the entry whose range
    contains the version; the documented rule for everything else is: **when the version is
    unknown (None, ``latest``, not a version) or has no entry, the newest known value applies**
    (the entry whose range is open at the top), and the answer says so in ``At.note``. An entry
    that only may contain the version (an UNCONFIRMED bound) is used with an ``UNCONFIRMED`` note.
    ``Timeline.find`` is the strict lookup (no fallback) and ``Timeline.covers`` the presence
    question (True / False / None) used by option tables.

``Specifier``
    A requirement specifier such as ``>=0.6,<0.8`` with pip's semantics
    (``packaging.specifiers.SpecifierSet``): ``>0.6.3`` excludes ``0.6.3.post1``, ``<0.6.4``
    excludes ``0.6.4rc1``, pre-releases match only when asked for (``prereleases=True``) or when
    the specifier names one. ``Specifier.newest`` is pip's choice among candidate releases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, total_ordering
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from packaging.version import InvalidVersion
from packaging.version import Version as _PV

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

__all__ = [
    "MAX_TEXT",
    "At",
    "Bound",
    "Entry",
    "Range",
    "Specifier",
    "Timeline",
    "V",
    "Version",
]

# Longer text is not a version (Docker tags stop at 128 characters; PEP 440 versions in the wild
# are far shorter). Refusing it first keeps parsing linear and int() below its digit limit.
MAX_TEXT = 128


def _strict(text: str) -> _PV | None:
    try:
        return _PV(text)
    except (InvalidVersion, ValueError):
        return None


def _cuts(t: str) -> list[int]:
    """Where ``t`` may be cut to find the version in front, longest first: before a separator
    (``-cu12``, ``_amd64``, ``+build``) and between digits and letters (``0.6.3abc``,
    ``0.5.3.post3rc1``)."""
    out = []
    for i in range(len(t) - 1, 0, -1):
        a, b = t[i - 1], t[i]
        if not b.isalnum() or (a.isalnum() and a.isdigit() != b.isdigit()):
            out.append(i)
    return out


@lru_cache(maxsize=4096)
def _parse(text: str) -> _PV | None:
    t = text.strip()
    if not t or len(t) > MAX_TEXT or not (t[0].isdigit() or t[0] in "vV"):
        return None
    v = _strict(t)
    if v is not None:
        return v
    # The longest leading part that is a version: ``v0.7.3-cu12`` -> 0.7.3.
    for i in _cuts(t):
        v = _strict(t[:i])
        if v is not None:
            return v
    return None


@total_ordering
class Version:
    """A PEP 440 version; ``text`` is what it was parsed from (stripped). Hashable and ordered
    (PEP 440); never changed after parsing. ``Version.parse`` never raises."""

    __slots__ = ("_v", "text")

    def __init__(self, text: str) -> None:
        """As ``parse`` (tolerant), but ``ValueError`` when ``text`` holds no version."""
        v = _parse(text) if isinstance(text, str) and len(text) <= 4 * MAX_TEXT else None
        if v is None:
            raise ValueError(f"not a version: {str(text)[:MAX_TEXT]!r}")
        self._v = v
        self.text = text.strip()

    @classmethod
    def parse(cls, text: object) -> Version | None:
        """The version in ``text`` (tolerant, see the module docs), or None."""
        if isinstance(text, Version):
            return text
        if not isinstance(text, str) or len(text) > 4 * MAX_TEXT:
            return None
        v = _parse(text)
        if v is None:
            return None
        out = cls.__new__(cls)
        out._v = v
        out.text = text.strip()
        return out

    # -- the parts ------------------------------------------------------------------------------
    @property
    def packaging(self) -> _PV:
        """The ``packaging.version.Version``."""
        return self._v

    @property
    def release(self) -> tuple[int, ...]:
        return self._v.release

    @property
    def pre(self) -> tuple[str, int] | None:
        return self._v.pre

    @property
    def post(self) -> int | None:
        return self._v.post

    @property
    def dev(self) -> int | None:
        return self._v.dev

    @property
    def local(self) -> str | None:
        return self._v.local

    @property
    def is_prerelease(self) -> bool:
        """A pre-release or development release (pip skips them unless asked)."""
        return self._v.is_prerelease

    @property
    def public(self) -> str:
        return self._v.public

    # -- comparison -----------------------------------------------------------------------------
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._v < other._v

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._v == other._v

    def __hash__(self) -> int:
        return hash(self._v)

    def __str__(self) -> str:
        """The normalised form (``v0.6.3-post1`` -> ``0.6.3.post1``)."""
        return str(self._v)

    def __repr__(self) -> str:
        return f"Version({self.text!r})"


def V(text: str) -> Version:
    """``Version.parse`` that raises ``ValueError`` for text without a version."""
    return Version(text)


def _as_version(version: str | Version | None) -> Version | None:
    return Version.parse(version) if version is not None else None


# -- ranges ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bound:
    """One end of a ``Range``. ``unconfirmed``: the change comes after ``version``, at a release
    not known exactly (written ``~X``)."""

    version: Version
    unconfirmed: bool = False

    @classmethod
    def parse(cls, text: str) -> Bound:
        t = text.strip()
        unconfirmed = t.startswith("~")
        v = Version.parse(t[1:] if unconfirmed else t)
        if v is None:
            raise ValueError(f"not a version bound: {text[:MAX_TEXT]!r}")
        return cls(v, unconfirmed)

    def __str__(self) -> str:
        return ("~" if self.unconfirmed else "") + self.version.text


@dataclass(frozen=True)
class Range:
    """The versions ``[since, until)``; ``None``: open end. See the module docs for UNCONFIRMED
    bounds."""

    since: Bound | None = None
    until: Bound | None = None

    @classmethod
    def of(cls, since: str | None = None, until: str | None = None) -> Range:
        """From bound texts (``"0.6.0"``, ``"~0.5.6.post2"``, None); ValueError on a bad bound."""
        return _range_of(since, until)

    @classmethod
    def parse(cls, text: str) -> Range:
        """``SINCE..UNTIL`` with either side empty (open): ``0.3.0..``, ``..0.6.0``,
        ``0.4.3.post3..~0.5.6.post2``."""
        lo, sep, hi = text.partition("..")
        if not sep:
            raise ValueError(f"not a range (SINCE..UNTIL): {text[:MAX_TEXT]!r}")
        return _range_of(lo.strip() or None, hi.strip() or None)

    @property
    def open_ended(self) -> bool:
        """Holds in the newest releases (no upper bound)."""
        return self.until is None

    @property
    def unconfirmed(self) -> bool:
        return bool(
            (self.since and self.since.unconfirmed) or (self.until and self.until.unconfirmed)
        )

    def contains(self, version: str | Version) -> bool | None:
        """True / False, or None when an UNCONFIRMED bound (or text that is not a version) leaves
        it open."""
        v = Version.parse(version)
        if v is None:
            return None
        lo: bool | None = True
        if self.since is not None:
            s = self.since.version
            if self.since.unconfirmed:
                lo = False if v <= s else None
            else:
                lo = v >= s
        hi: bool | None = True
        if self.until is not None:
            u = self.until.version
            if self.until.unconfirmed:
                hi = True if v <= u else None
            else:
                hi = v < u
        if lo is False or hi is False:
            return False
        return True if (lo and hi) else None

    def __str__(self) -> str:
        return f"{self.since or ''}..{self.until or ''}"

    def describe(self) -> str:
        """For messages: ``0.6.7 to before 0.15.5``, ``since 0.6.7``, ``before 0.6.7``, ``all
        versions`` (UNCONFIRMED bounds read ``after X``)."""

        def lo(b: Bound) -> str:
            return (
                f"some release after {b.version.text} (UNCONFIRMED)"
                if b.unconfirmed
                else b.version.text
            )

        def hi(b: Bound) -> str:
            if b.unconfirmed:
                return f"some release after {b.version.text} (UNCONFIRMED)"
            return f"before {b.version.text}"

        if self.since is None and self.until is None:
            return "all versions"
        if self.until is None:
            assert self.since is not None
            return f"since {lo(self.since)}"
        if self.since is None:
            return f"up to {hi(self.until)}" if self.until.unconfirmed else hi(self.until)
        return f"{lo(self.since)} to {hi(self.until)}"


@lru_cache(maxsize=4096)
def _range_of(since: str | None, until: str | None) -> Range:
    return Range(
        Bound.parse(since) if since is not None else None,
        Bound.parse(until) if until is not None else None,
    )


# -- timelines ---------------------------------------------------------------------------------

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    """``value`` holds for the versions in ``range``; ``source`` says where that is written."""

    range: Range
    value: T
    source: str = ""


@dataclass(frozen=True)
class At(Generic[T]):
    """A ``Timeline``'s answer for one version. ``note`` is None when the version was found in
    the entry's range; otherwise it says what was assumed (for the finding's text)."""

    entry: Entry[T]
    version: Version | None
    note: str | None = None

    @property
    def value(self) -> T:
        return self.entry.value

    @property
    def source(self) -> str:
        return self.entry.source

    @property
    def range(self) -> Range:
        return self.entry.range

    @property
    def exact(self) -> bool:
        return self.note is None


_LOW = (0, None)


def _newness(e: Entry[Any]) -> tuple[Any, ...]:
    u, s = e.range.until, e.range.since
    return ((1, None) if u is None else (0, u.version), (1, s.version) if s else _LOW)


class Timeline(Generic[T]):
    """Values by version: ``Entry(range, value, source)`` in any order (``what`` names the thing
    for notes, e.g. ``"vLLM"``)."""

    __slots__ = ("entries", "what", "_newest")

    def __init__(self, entries: Iterable[Entry[T] | tuple[Any, ...]], what: str = "") -> None:
        out: list[Entry[T]] = []
        for e in entries:
            if not isinstance(e, Entry):
                rng, value, *rest = e
                if not isinstance(rng, Range):
                    rng = Range.of(*rng)
                e = Entry(rng, value, rest[0] if rest else "")
            out.append(e)
        if not out:
            raise ValueError("a Timeline needs at least one entry")
        self.entries: tuple[Entry[T], ...] = tuple(out)
        self.what = what
        # The first of the entries open at the top with the highest start (list order breaks ties).
        best = out[0]
        for e in out[1:]:
            if _newness(e) > _newness(best):
                best = e
        self._newest = best

    def newest(self) -> Entry[T]:
        """The entry of the newest known releases (open at the top, else the latest until)."""
        return self._newest

    def find(self, version: str | Version | None) -> Entry[T] | None:
        """The first entry whose range certainly contains ``version``; None otherwise (no
        fallback)."""
        v = _as_version(version)
        if v is None:
            return None
        for e in self.entries:
            if e.range.contains(v) is True:
                return e
        return None

    def at(self, version: str | Version | None) -> At[T]:
        """The value for ``version``, by the rule in the module docs (newest known value when
        the version is unknown or has no entry, and a note saying so)."""
        name = f"{self.what} " if self.what else ""
        v = _as_version(version)
        newest = self._newest
        if v is None:
            shown = f" ({str(version)[:40]!r} is not a version)" if version is not None else ""
            return At(
                newest,
                None,
                f"{name}version unknown{shown}: assuming the newest known behaviour "
                f"({newest.range.describe()})",
            )
        maybe: list[Entry[T]] = []
        for e in self.entries:
            c = e.range.contains(v)
            if c is True:
                return At(e, v)
            if c is None:
                maybe.append(e)
        if maybe:
            best = maybe[0]
            for e in maybe[1:]:
                if _newness(e) > _newness(best):
                    best = e
            return At(
                best,
                v,
                f"UNCONFIRMED: {name}{v.text} may be in {best.range.describe()} "
                "(the exact release is not known); assuming it is",
            )
        return At(
            newest,
            v,
            f"no known value for {name}{v.text}: assuming the newest known behaviour "
            f"({newest.range.describe()})",
        )

    def covers(self, version: str | Version | None) -> bool | None:
        """Whether some entry's range holds ``version`` (True / False / None = unknown). With no
        version: whether the newest releases are covered (a range open at the top)."""
        if version is None:
            return any(e.range.open_ended for e in self.entries)
        v = Version.parse(version)
        if v is None:
            return None
        unknown = False
        for e in self.entries:
            c = e.range.contains(v)
            if c is True:
                return True
            if c is None:
                unknown = True
        return None if unknown else False

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        inner = ", ".join(f"{e.range}: {e.value!r}" for e in self.entries)
        return f"Timeline({inner})"


def releases_timeline(
    releases: Sequence[tuple[str | Version, T]], what: str = "", *, open_below: bool = False
) -> Timeline[T]:
    """A timeline of snapshot releases: each release's value holds from it to the next one; the
    newest holds from it on. ``open_below``: the oldest also answers for older versions."""
    parsed = sorted(((V(r) if isinstance(r, str) else r), value) for r, value in releases)
    entries: list[Entry[T]] = []
    for i, (v, value) in enumerate(parsed):
        since = None if (i == 0 and open_below) else Bound(v)
        until = Bound(parsed[i + 1][0]) if i + 1 < len(parsed) else None
        entries.append(Entry(Range(since, until), value, v.text))
    return Timeline(entries, what)


# -- specifiers --------------------------------------------------------------------------------


class Specifier:
    """A requirement specifier (``==0.6.0``, ``>=0.6,<0.8``, ``~=0.8.1``, ``==0.9.*``, empty =
    any version) with pip's semantics (``packaging.specifiers.SpecifierSet``)."""

    __slots__ = ("_set", "text")

    def __init__(self, spec: SpecifierSet, text: str) -> None:
        self._set = spec
        self.text = text

    @classmethod
    def parse(cls, text: str) -> Specifier | None:
        """None when ``text`` is not a specifier (never raises)."""
        if not isinstance(text, str) or len(text) > 4 * MAX_TEXT:
            return None
        # Imported here: packaging.specifiers costs ~12 ms, and only pins and the
        # ``export-template`` version argument need it.
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        t = text.strip()
        try:
            return cls(SpecifierSet(t), t)
        except (InvalidSpecifier, ValueError):
            return None

    @property
    def clauses(self) -> tuple[tuple[str, str], ...]:
        """(operator, version text) of each clause, as written."""
        return tuple((s.operator, s.version) for s in self._set)

    @property
    def exact(self) -> str | None:
        """The version text of an ``==``/``===`` clause without a wildcard, else None."""
        for op, v in self.clauses:
            if op in ("==", "===") and not v.endswith(".*"):
                return v
        return None

    def contains(self, version: str | Version, prereleases: bool | None = None) -> bool:
        """pip's answer for a release among others: pre-releases only when ``prereleases`` is
        True or the specifier names one (``>=0.7.0rc1``). The choice is passed to ``packaging``
        explicitly: its own default for a lone version changed in packaging 26."""
        v = Version.parse(version)
        if v is None:
            return False
        if prereleases is None:
            prereleases = bool(self._set.prereleases)
        return self._set.contains(v.packaging, prereleases=prereleases)

    def filter(
        self, candidates: Iterable[str | Version], prereleases: bool | None = None
    ) -> list[Version]:
        """The candidates pip would accept (``packaging``'s filter: pre-releases only when asked,
        named by the specifier, or when no final release matches)."""
        parsed: dict[Any, Version] = {}
        for c in candidates:
            v = Version.parse(c)
            if v is not None:
                parsed.setdefault(v.packaging, v)
        return [parsed[p] for p in self._set.filter(list(parsed), prereleases=prereleases)]

    def newest(
        self, candidates: Iterable[str | Version], prereleases: bool | None = None
    ) -> Version | None:
        """The newest candidate pip would accept, or None."""
        ok = self.filter(candidates, prereleases)
        return max(ok) if ok else None

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Specifier({self.text!r})"


def newest_matching(spec: Specifier, releases: list[str]) -> str | None:
    """The newest of ``releases`` (as written) that ``spec`` accepts, with pip's rules."""
    best = spec.newest(releases)
    return best.text if best is not None else None
