"""One command-line model for every serving engine.

An engine declares its options (names, aliases, arity); ``parse_args`` turns the words of a
command line into occurrences with source locations, the way the engine's own argument parser
would group them (``--flag=value``, ``--flag value``, multi-value options, ``--no-flag``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..location import Loc


@dataclass(frozen=True)
class OptSpec:
    name: str  # canonical, e.g. "--max-lora-rank"
    arity: str = "value"  # "value" | "flag" | "multi" | "optional"
    aliases: tuple[str, ...] = ()
    negatable: bool = False  # --no-<name> accepted (argparse.BooleanOptionalAction)

    @property
    def dest(self) -> str:
        return self.name.lstrip("-").replace("-", "_")


@dataclass
class Token:
    """A word of a command line with where it came from."""

    text: str
    loc: Loc
    resolved: bool = True
    origin: str | None = None  # e.g. "$MODEL set at serve.sh:3"
    mapper: Any = None  # location.Aligner over the token's source text (for `sh -c` scripts)


@dataclass
class ArgOcc:
    """One occurrence of an option: the option word and its value word(s)."""

    spec: OptSpec | None  # None for an unknown option
    flag: Token  # the option word as written ("--max-lora-rank" or "--max-lora-rank=64")
    values: list[Token] = field(default_factory=list)
    negated: bool = False
    inline: bool = False  # written as --flag=value

    @property
    def value(self) -> str | None:
        if self.spec is not None and self.spec.arity == "flag":
            return None
        return self.values[0].text if self.values else None

    @property
    def loc(self) -> Loc:
        """Span from the option word to its last value, when that value follows it on its line.

        Otherwise (a value on another line, or one synthesised at an earlier column, as Helm
        values' words that point at their keys) the option word's own location: a span whose end
        precedes its start is not a location (an invalid SARIF region).
        """
        start = self.flag.loc
        if not self.values or self.inline:
            return start
        return start.through(self.values[-1].loc)

    @property
    def resolved(self) -> bool:
        return all(v.resolved for v in self.values) and self.flag.resolved


@dataclass
class ParsedArgs:
    options: dict[str, list[ArgOcc]] = field(default_factory=dict)  # dest -> occurrences
    positionals: list[Token] = field(default_factory=list)
    unknown: list[ArgOcc] = field(default_factory=list)

    def last(self, dest: str) -> ArgOcc | None:
        occ = self.options.get(dest)
        return occ[-1] if occ else None

    def has(self, dest: str) -> bool:
        return dest in self.options

    def flag(self, dest: str) -> bool | None:
        """True / False for a boolean flag given (``--x`` / ``--no-x``), None when absent."""
        occ = self.last(dest)
        if occ is None:
            return None
        if occ.negated:
            return False
        if occ.values:
            return occ.values[0].text.strip().lower() not in ("false", "0", "no", "off")
        return True

    def value(self, dest: str) -> str | None:
        occ = self.last(dest)
        return occ.value if occ else None

    def values(self, dest: str) -> list[Token]:
        out: list[Token] = []
        for occ in self.options.get(dest, []):
            out.extend(occ.values)
        return out

    def to_evidence(self) -> dict[str, Any]:
        return {
            dest: (
                occs[-1].value
                if occs[-1].spec and occs[-1].spec.arity != "multi"
                else [v.text for o in occs for v in o.values]
            )
            for dest, occs in sorted(self.options.items())
        }


class OptionTable:
    def __init__(self, specs: list[OptSpec], underscores: bool = True):
        self.specs = specs
        self.by_name: dict[str, OptSpec] = {}
        self.underscores = underscores
        for s in specs:
            for n in (s.name, *s.aliases):
                self.by_name[n] = s

    def lookup(self, word: str) -> tuple[OptSpec | None, bool]:
        """(spec, negated) for an option word without its '=value' part."""
        spec = self.by_name.get(word)
        if spec is None and self.underscores and word.startswith("--"):
            spec = self.by_name.get("--" + word[2:].replace("_", "-"))
        if spec is not None:
            return spec, False
        norm = word.replace("_", "-") if self.underscores else word
        if norm.startswith("--no-"):
            base = self.by_name.get("--" + norm[5:])
            if base is not None and (base.negatable or base.arity == "flag"):
                return base, True
        return None, False


_NEG_NUMBER = re.compile(r"^-\d")


def _looks_like_option(text: str) -> bool:
    return text.startswith("-") and len(text) > 1 and not _NEG_NUMBER.match(text)


def parse_args(tokens: list[Token], table: OptionTable) -> ParsedArgs:
    out = ParsedArgs()
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        text = tok.text
        if text == "--":
            out.positionals.extend(tokens[i + 1 :])
            break
        if not _looks_like_option(text):
            out.positionals.append(tok)
            i += 1
            continue
        name, eq, inline_value = text.partition("=")
        spec, negated = table.lookup(name)
        occ = ArgOcc(spec, tok, negated=negated, inline=bool(eq))
        if eq:
            occ.values.append(
                Token(inline_value, _suffix_loc(tok, len(name) + 1), tok.resolved, tok.origin)
            )
            i += 1
        elif spec is None:
            # Unknown option: take the next word as its value unless it looks like an option.
            if i + 1 < n and not _looks_like_option(tokens[i + 1].text):
                occ.values.append(tokens[i + 1])
                i += 2
            else:
                i += 1
        elif spec.arity == "flag" or negated:
            i += 1
        elif spec.arity == "optional":
            if i + 1 < n and not _looks_like_option(tokens[i + 1].text):
                occ.values.append(tokens[i + 1])
                i += 2
            else:
                i += 1
        elif spec.arity == "multi":
            j = i + 1
            while j < n and not _looks_like_option(tokens[j].text):
                occ.values.append(tokens[j])
                j += 1
            i = j
        else:
            if i + 1 < n:
                occ.values.append(tokens[i + 1])
                i += 2
            else:
                i += 1
        if spec is None:
            out.unknown.append(occ)
            out.options.setdefault(name.lstrip("-").replace("-", "_"), []).append(occ)
        else:
            out.options.setdefault(spec.dest, []).append(occ)
    return out


def _suffix_loc(tok: Token, offset: int) -> Loc:
    loc = tok.loc
    if loc.line is None or loc.col is None:
        return loc
    if loc.end_line == loc.line and loc.end_col is not None:
        return Loc(
            loc.path, loc.line, loc.col + offset, loc.line, max(loc.end_col, loc.col + offset + 1)
        )
    return Loc(loc.path, loc.line, loc.col + offset, loc.line, loc.col + offset + 1)


_PYTHON = re.compile(r"^(?:.*/)?python(?:3(?:\.\d+)?)?$")


def program(words: list[Token]) -> str:
    """The basename of the command's first word (`/opt/venv/bin/vllm` → `vllm`)."""
    return words[0].text.rsplit("/", 1)[-1] if words else ""


def python_module(words: list[Token]) -> tuple[str, int] | None:
    """For `python[3[.x]] [-u …] -m MODULE …`: (MODULE, index of the word after it)."""
    if not words or not _PYTHON.match(words[0].text):
        return None
    i = 1
    while i < len(words) and words[i].text.startswith("-") and words[i].text != "-m":
        i += 1
    if i + 1 < len(words) and words[i].text == "-m":
        return words[i + 1].text, i + 2
    return None
