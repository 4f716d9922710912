"""Settings a release does not read (DPL505), shared by the engines whose options and
environment variables are data by version: which option words of a launch its release lacks,
and how that reads in a finding ("removed in 0.10.0", "added in 0.8.0")."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..location import Loc
from ..versions import Version
from .base import Problem
from .cli import ArgOcc

if TYPE_CHECKING:
    from ..facts import Launch


def option_words(launch: Launch) -> Iterator[tuple[ArgOcc, str]]:
    """(occurrence, option word without ``=value``) of every long option written on the launch's
    command line or in its config file (not options synthesised from the environment)."""
    for occs in launch.args.options.values():
        for occ in occs:
            tok = occ.flag
            if not tok.resolved or tok.loc.line is None:
                continue
            word = tok.text.partition("=")[0]
            if not word.startswith("--") or len(word) < 3:
                continue
            if (tok.origin or "").startswith("environment variable"):
                continue
            yield occ, word


def history(ranges: list[tuple[str, str | None]], version: str) -> tuple[str, str] | None:
    """How the releases that have a setting relate to ``version``: ("removed", "0.10.0") when
    the newest range ends at or before it, ("added", "0.8.0") when one starts after it; None when
    neither (or the version is not one)."""
    v = Version.parse(version)
    if v is None or not ranges:
        return None
    starts = [x for x in (Version.parse(s) for s, _ in ranges) if x is not None]
    later = sorted(x for x in starts if x > v)
    ends = [x for x in (Version.parse(u) for _, u in ranges if u is not None) if x is not None]
    ended = [u for u in ends if u <= v]
    if ended and not later:
        return "removed", max(ended).text
    if ended and later:
        return "gap", f"{max(ended).text}..{later[0].text}"
    if later:
        return "added", later[0].text
    return None


def history_phrase(kind: str, at: str, display: str) -> str:
    if kind == "removed":
        return f"{display} removed it in {at}"
    if kind == "gap":
        gone, back = at.split("..", 1)
        return f"{display} dropped it in {gone} and brought it back in {back}"
    return f"it was added in {display} {at}"


def pin_advice(kind: str, at: str, display: str) -> str:
    """How a pin avoids the gap: ``< X`` (removed), ``>= X`` (added or brought back)."""
    if kind == "removed":
        return f"pin {display} < {at}"
    return f"pin {display} >= {at.split('..', 1)[-1]}"


def unique_prefix(word: str, names: list[str]) -> bool | None:
    """argparse's ``allow_abbrev``: True when ``word`` abbreviates exactly one option, False when
    none, None when several (argparse then stops with "ambiguous option")."""
    hits = {n for n in names if n.startswith(word)}
    if not hits:
        return False
    return True if len(hits) == 1 else None


def close_name(
    name: str, names: set[str] | frozenset[str] | list[str], cutoff: float = 0.85
) -> str | None:
    """The one name in ``names`` that ``name`` most likely misspells, or None."""
    return _close_name(name, tuple(sorted(names)), cutoff)


@functools.lru_cache(maxsize=4096)
def _close_name(name: str, names: tuple[str, ...], cutoff: float) -> str | None:
    hits = difflib.get_close_matches(name, names, n=1, cutoff=cutoff)
    return hits[0] if hits else None


def release_known(launch: Launch) -> bool:
    """The release a launch runs is known: an exact pin or tag, or the engine's own image tagged
    `latest` (the newest release). Not for images only named after the engine."""
    v = launch.version
    if v is None:
        return False
    if v.pinned:
        return True
    if (v.spec or "").strip().lower() != "latest":
        return False
    from ..link.versions import official_image

    return official_image(launch)


def referenced(launch: Launch, name: str) -> bool:
    """Whether the launch's own command line expands the variable ``name`` (then the variable is
    the script's, not a setting of the engine)."""
    needles = (f"${name}", f"${{{name}}}", f"$({name})", f" {name} ")
    for t in launch.tokens:
        text = f" {t.origin or ''} "
        if any(n in text for n in needles) or f"{name} set at" in text:
            return True
    return False


def env_problem(
    launch: Launch,
    name: str,
    value: Any,
    message: str,
    fix: str,
    evidence: dict[str, Any],
    loc_of: Callable[[str, Any, Any], Loc | None],
) -> Problem:
    where = loc_of(name, value, launch) or launch.loc
    return Problem("env-not-read", where, message, fix, evidence, anchor=f"env {name}")


__all__ = [
    "close_name",
    "env_problem",
    "history",
    "history_phrase",
    "pin_advice",
    "option_words",
    "referenced",
    "release_known",
    "unique_prefix",
]


def table_options_not_read(
    launch: Launch,
    ranges: dict[str, Any],
    version: str | None,
    display: str,
    phrase: str,
    source: str,
    rejects: str,
) -> list[Problem]:
    """Options of the launch that an engine's option table (``registry.parse_option_table``:
    name -> presence ``Timeline``) says ``version`` does not have. Only exact names and aliases
    the table lists are judged; a bound written ``~X`` (UNCONFIRMED) never counts as absent."""
    out: list[Problem] = []
    if version is None:
        return out
    for occ, word in option_words(launch):
        presence = ranges.get(word)
        if presence is None and occ.spec is not None and word in occ.spec.aliases:
            presence = ranges.get(word)
        if presence is None or presence.covers(version) is not False:
            continue
        spans = [
            (str(e.range.since.version.text), str(e.range.until.version.text))
            if e.range.since is not None and e.range.until is not None
            else (
                str(e.range.since.version.text) if e.range.since is not None else "0",
                e.range.until.version.text if e.range.until is not None else None,
            )
            for e in presence.entries
        ]
        hist = history(spans, version)
        if hist is None:
            continue
        kind, at = hist
        out.append(
            Problem(
                "option-not-read",
                occ.flag.loc,
                f"`{word}` is not an option of {phrase}: "
                + history_phrase(kind, at, display)
                + f", so {rejects}",
                f"drop `{word}`, or {pin_advice(kind, at, display)}",
                {"option": word, "history": f"{kind} in {at}", "fact": source},
                anchor=f"option {word}",
            )
        )
    return out
