"""A POSIX-shell tokenizer for launch commands, with source offsets and variable expansion.

It does what deploylint needs from a shell script and no more: words with their quoting removed,
parameter expansion from assignments seen earlier in the same script (or from a container's
environment), line continuations, comments, command separators, here-documents skipped. Nothing is
ever executed; command substitutions are kept as unresolved text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\+?=)(.*)$", re.S)

SEPARATORS = {";", "&&", "||", "|", "&", "\n", "(", ")", ";;", "|&"}


class ShellSyntaxError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


# -- resource limits ---------------------------------------------------------------------------
# Hostile input must not make expansion exponential (`A=xx; B=$A$A$A…; C=$B$B$B…`), recursion
# unbounded (`${a:-${a:-…}}`) or one command line huge. Valid scripts stay far below these.

#: Most characters variable expansion may produce while one file is parsed.
MAX_EXPANSION = 1_000_000
#: Most launches one file may produce, and most environment entries copied into them.
MAX_LAUNCHES = 1_000
MAX_ENV_COPIES = 1_000_000
#: Most words in one simple command.
MAX_WORDS = 10_000
#: Most `${…${…}…}` levels.
MAX_NESTING = 32


@dataclass
class ParseBudget:
    """What is left for one file's parse; sources report what ran out (see ``exhausted``)."""

    expansion: int = MAX_EXPANSION
    launches: int = MAX_LAUNCHES
    env_copies: int = MAX_ENV_COPIES
    exhausted: list[str] = field(default_factory=list)

    def _out(self, what: str) -> bool:
        if what not in self.exhausted:
            self.exhausted.append(what)
        return False

    def expand(self, n: int) -> bool:
        """Charge ``n`` characters of expansion; False (expand nothing) when over budget."""
        if n > self.expansion:
            return self._out("expansion")
        self.expansion -= n
        return True

    def copy(self, n: int) -> bool:
        """Charge copying ``n`` environment variables (stage inheritance …)."""
        if n > self.env_copies:
            return self._out("environment")
        self.env_copies -= n
        return True

    def launch(self, env_size: int) -> bool:
        """Charge one launch that copies ``env_size`` variables; False when over budget."""
        if self.launches <= 0:
            return self._out("launches")
        if env_size > self.env_copies:
            return self._out("environment")
        self.launches -= 1
        self.env_copies -= env_size
        return True

    def messages(self) -> list[str]:
        out = []
        for what in self.exhausted:
            if what == "expansion":
                out.append(
                    f"variable expansion stopped after {MAX_EXPANSION} characters "
                    "(an expansion bomb?); the rest is left unexpanded"
                )
            elif what == "launches":
                out.append(f"more than {MAX_LAUNCHES} launches in one file; the rest are not read")
            else:
                out.append(
                    f"more than {MAX_ENV_COPIES} environment variables copied (between stages, "
                    "into launches); the rest are not read"
                )
        return out


_BUDGET: ContextVar[ParseBudget | None] = ContextVar("deploylint_parse_budget", default=None)


@contextmanager
def parse_budget() -> Iterator[ParseBudget]:
    """A budget shared by everything parsed inside the block (one file); nested blocks reuse
    the outer one."""
    current = _BUDGET.get()
    if current is not None:
        yield current
        return
    budget = ParseBudget()
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)


def current_budget() -> ParseBudget | None:
    return _BUDGET.get()


def charge_expansion(n: int) -> bool:
    """Charge ``n`` characters of expansion to the current file (or allow up to the per-file
    limit when no file is being parsed)."""
    budget = _BUDGET.get()
    if budget is None:
        return n <= MAX_EXPANSION
    return budget.expand(n)


@dataclass
class EnvValue:
    value: str
    origin: str  # "script:12", "compose environment", "Dockerfile ENV" ...
    resolved: bool = True
    loc: Any = field(default=None, compare=False)  # where the variable is set (a Loc), if known


class Env:
    """Variables visible to a command. ``parent`` is consulted when a name is not set here."""

    def __init__(self, values: Mapping[str, EnvValue] | None = None, parent: Env | None = None):
        self.values: dict[str, EnvValue] = dict(values or {})
        self.parent = parent

    def get(self, name: str) -> EnvValue | None:
        if name in self.values:
            return self.values[name]
        if self.parent is not None:
            return self.parent.get(name)
        return None

    def set(self, name: str, value: EnvValue) -> None:
        self.values[name] = value

    def child(self) -> Env:
        return Env(parent=self)

    def flat(self) -> dict[str, EnvValue]:
        out = self.parent.flat() if self.parent else {}
        out.update(self.values)
        return out


@dataclass
class Word:
    text: str  # after quote removal and expansion
    start: int  # offsets into the tokenized string (raw, before quote removal)
    end: int
    quoted: bool = False
    unresolved: list[str] = field(default_factory=list)  # names / substitutions left unexpanded
    expansions: list[tuple[str, EnvValue]] = field(default_factory=list)

    @property
    def resolved(self) -> bool:
        return not self.unresolved


@dataclass
class Command:
    words: list[Word]
    assignments: list[tuple[str, Word]]  # VAR=value prefixes (or a bare assignment statement)
    start: int
    end: int
    background: bool = False
    all_words: list[Word] = field(default_factory=list)  # as written, assignments included


class _Lexer:
    def __init__(
        self,
        text: str,
        env: Env,
        expand: bool,
        unresolved_as: Callable[[str], str],
        depth: int = 0,
    ):
        self.s = text
        self.n = len(text)
        self.i = 0
        self.env = env
        self.expand = expand
        self.unresolved_as = unresolved_as
        self.pending_heredocs: list[tuple[str, bool]] = []
        self.depth = depth

    # -- parameter expansion -------------------------------------------------------------------
    def _lookup(self, name: str, word: Word) -> str | None:
        if not self.expand:
            return None
        v = self.env.get(name)
        if v is None or not v.resolved:
            return None
        if not charge_expansion(len(v.value)):
            return None
        word.expansions.append((name, v))
        return v.value

    def _param(self, word: Word) -> str:
        """Parse after a '$' at self.i (pointing past the '$'). Returns the expansion text."""
        start = self.i - 1
        text = self._param_expand(word)
        if not self.expand:
            return self.s[start : self.i]
        return text

    def _param_expand(self, word: Word) -> str:
        s, i = self.s, self.i
        if i >= self.n:
            return "$"
        c = s[i]
        if c == "{":
            depth, j = 1, i + 1
            while j < self.n and depth:
                if s[j] == "{":
                    depth += 1
                elif s[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                elif s[j] == "\\":
                    j += 1
                j += 1
            if j >= self.n:
                raise ShellSyntaxError("unterminated ${", i - 1)
            body = s[i + 1 : j]
            self.i = j + 1
            try:
                return self._brace(body, word)
            except ShellSyntaxError as e:
                raise ShellSyntaxError(str(e), i - 1) from None  # offsets of the outer text
        if c == "(":
            # $(...) or $((...)): command substitution / arithmetic. Never executed.
            depth, j = 0, i
            in_sq = in_dq = False
            while j < self.n:
                ch = s[j]
                if ch == "\\" and not in_sq:
                    j += 2
                    continue
                if ch == "'" and not in_dq:
                    in_sq = not in_sq
                elif ch == '"' and not in_sq:
                    in_dq = not in_dq
                elif not in_sq and not in_dq:
                    if ch == "(":
                        depth += 1
                    elif ch == ")":
                        depth -= 1
                        if depth == 0:
                            break
                j += 1
            if j >= self.n:
                raise ShellSyntaxError("unterminated $(", i - 1)
            raw = s[i - 1 : j + 1]
            self.i = j + 1
            word.unresolved.append(raw)
            return raw
        m = _NAME.match(s, i)
        if m:
            name = m.group(0)
            self.i = m.end()
            val = self._lookup(name, word)
            if val is None:
                word.unresolved.append(name)
                return self.unresolved_as(name)
            return val
        if c.isdigit() or c in "@*#?$!-":
            self.i = i + 1
            word.unresolved.append(c)
            return "$" + c
        return "$"

    def _sub(self, text: str) -> _Lexer:
        """A lexer for a default value inside ``${…}`` (nested expansions, bounded depth)."""
        if self.depth >= MAX_NESTING:
            raise ShellSyntaxError(f"parameter expansion nested more than {MAX_NESTING} deep", 0)
        return _Lexer(text, self.env, self.expand, self.unresolved_as, self.depth + 1)

    def _brace(self, body: str, word: Word) -> str:
        m = _NAME.match(body) or re.match(r"[0-9@*#?$!]+", body)
        if not m:
            word.unresolved.append(body)
            return "${" + body + "}"
        name = m.group(0)
        rest = body[m.end() :]
        if rest.startswith("#") or body.startswith("#"):
            word.unresolved.append(body)
            return "${" + body + "}"
        val = self._lookup(name, word) if _NAME.fullmatch(name) else None
        op = None
        for candidate in (":-", ":=", ":+", ":?", "-", "=", "+", "?"):
            if rest.startswith(candidate):
                op = candidate
                break
        if op is None:
            if rest:
                # ${VAR/x/y}, ${VAR%...}, ${VAR:0:3}: transformations we do not model.
                word.unresolved.append(body)
                return "${" + body + "}"
            if val is None:
                word.unresolved.append(name)
                return self.unresolved_as(name)
            return val
        arg_raw = rest[len(op) :]
        empty_counts = op.startswith(":")
        is_set = val is not None and (val != "" or not empty_counts)
        if op in (":-", "-", ":=", "="):
            if is_set:
                return val  # type: ignore[return-value]
            # The default may itself contain expansions.
            sub = self._sub(arg_raw)
            sub_word = Word("", 0, 0)
            text = sub._word_text_all(sub_word)
            if sub_word.unresolved:
                word.unresolved.extend(sub_word.unresolved)
            word.expansions.extend(sub_word.expansions)
            if op in (":=", "=") and not sub_word.unresolved:
                self.env.set(name, EnvValue(text, "default in ${...:=...}"))
            if name in word.unresolved:
                word.unresolved.remove(name)
            return text
        if op in (":+", "+"):
            if is_set:
                sub = self._sub(arg_raw)
                sub_word = Word("", 0, 0)
                return sub._word_text_all(sub_word)
            return ""
        # ${VAR:?message}
        if val is None:
            word.unresolved.append(name)
            return self.unresolved_as(name)
        return val

    def _word_text_all(self, word: Word) -> str:
        """Expand a whole string as if it were inside double quotes (for defaults)."""
        out: list[str] = []
        while self.i < self.n:
            c = self.s[self.i]
            if c == "$":
                self.i += 1
                out.append(self._param(word))
            elif c == "\\" and self.i + 1 < self.n:
                out.append(self.s[self.i + 1])
                self.i += 2
            elif c in "'\"":
                self.i += 1
                end = self.s.find(c, self.i)
                if end == -1:
                    out.append(self.s[self.i :])
                    self.i = self.n
                else:
                    out.append(self.s[self.i : end])
                    self.i = end + 1
            else:
                out.append(c)
                self.i += 1
        return "".join(out)

    # -- words ---------------------------------------------------------------------------------
    def _skip_blanks(self) -> None:
        s = self.s
        while self.i < self.n:
            c = s[self.i]
            if c in " \t\r":
                self.i += 1
            elif c == "\\" and self.i + 1 < self.n and s[self.i + 1] == "\n":
                self.i += 2
            elif c == "\\" and s.startswith("\\\r\n", self.i):
                self.i += 3
            else:
                break

    def next_token(self) -> tuple[str, object] | None:
        """('word', Word) | ('op', str) | None at end."""
        while True:  # comments and redirections are skipped (a loop: they may be many)
            tok = self._next_token()
            if tok is not _SKIP:
                return tok  # type: ignore[return-value]

    def _next_token(self) -> tuple[str, object] | None | object:
        self._skip_blanks()
        if self.i >= self.n:
            return None
        s = self.s
        c = s[self.i]
        if c == "#":
            end = s.find("\n", self.i)
            self.i = self.n if end == -1 else end
            return _SKIP
        if c == "\n":
            self.i += 1
            if self.pending_heredocs:
                self._consume_heredocs()
            return ("op", "\n")
        for op in (";;", "&&", "||", "|&", ">>", "<<-", "<<", ">&", "<&", ";", "&", "|", "(", ")"):
            if s.startswith(op, self.i):
                if op in ("<<", "<<-"):
                    self.i += len(op)
                    self._heredoc_start(strip_tabs=op == "<<-")
                    return _SKIP
                if op in (">>", ">&", "<&"):
                    self.i += len(op)
                    self._skip_redirect_target()
                    return _SKIP
                self.i += len(op)
                return ("op", op)
        if c in "<>":
            self.i += 1
            if self.i < self.n and s[self.i] == "(":
                # process substitution <(...)
                self.i -= 1
                return ("word", self._word())
            self._skip_redirect_target()
            return _SKIP
        # fd redirect like 2>&1 or 2>/dev/null
        m = re.match(r"\d+(?=[<>])", s[self.i : self.i + 4])
        if m:
            self.i += len(m.group(0)) + 1
            if self.i < self.n and s[self.i] in ">&":
                self.i += 1
            self._skip_redirect_target()
            return _SKIP
        return ("word", self._word())

    def _skip_redirect_target(self) -> None:
        self._skip_blanks()
        if self.i < self.n and self.s[self.i] not in "\n;&|":
            self._word()

    def _heredoc_start(self, strip_tabs: bool) -> None:
        self._skip_blanks()
        w = self._word()
        delim = w.text
        self.pending_heredocs.append((delim, strip_tabs))

    def _consume_heredocs(self) -> None:
        for delim, strip_tabs in self.pending_heredocs:
            while self.i < self.n:
                end = self.s.find("\n", self.i)
                line = self.s[self.i : self.n if end == -1 else end]
                self.i = self.n if end == -1 else end + 1
                check = line.lstrip("\t") if strip_tabs else line
                if check.rstrip("\r") == delim:
                    break
        self.pending_heredocs = []

    def _word(self) -> Word:
        s = self.s
        start = self.i
        word = Word("", start, start)
        out: list[str] = []
        while self.i < self.n:
            c = s[self.i]
            if c in " \t\r\n;&|()<>":
                if c in "<>" and self.i + 1 < self.n and s[self.i + 1] == "(" and self.i == start:
                    # <(cmd): keep as one unresolved word
                    self.i += 1
                    out.append(c)
                    out.append(self._param(word))
                    continue
                break
            if c == "\\":
                if self.i + 1 < self.n:
                    if s[self.i + 1] == "\n":
                        self.i += 2
                        continue
                    out.append(s[self.i + 1])
                    self.i += 2
                else:
                    self.i += 1
                continue
            if c == "'":
                end = s.find("'", self.i + 1)
                if end == -1:
                    raise ShellSyntaxError("unterminated single quote", self.i)
                out.append(s[self.i + 1 : end])
                self.i = end + 1
                word.quoted = True
                continue
            if c == "$" and self.i + 1 < self.n and s[self.i + 1] == "'":
                out.append(self._ansi_c())
                word.quoted = True
                continue
            if c == '"':
                out.append(self._double_quoted(word))
                word.quoted = True
                continue
            if c == "`":
                end = self.i + 1
                while end < self.n and s[end] != "`":
                    end += 2 if s[end] == "\\" else 1
                if end >= self.n:
                    raise ShellSyntaxError("unterminated backquote", self.i)
                raw = s[self.i : end + 1]
                word.unresolved.append(raw)
                out.append(raw)
                self.i = end + 1
                continue
            if c == "$":
                self.i += 1
                out.append(self._param(word))
                continue
            out.append(c)
            self.i += 1
        word.text = "".join(out)
        word.end = self.i
        return word

    def _ansi_c(self) -> str:
        s = self.s
        i = self.i + 2
        out: list[str] = []
        esc = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a"}
        while i < self.n and s[i] != "'":
            if s[i] == "\\" and i + 1 < self.n:
                out.append(esc.get(s[i + 1], "\\" + s[i + 1]))
                i += 2
            else:
                out.append(s[i])
                i += 1
        if i >= self.n:
            raise ShellSyntaxError("unterminated $'", self.i)
        self.i = i + 1
        return "".join(out)

    def _double_quoted(self, word: Word) -> str:
        s = self.s
        open_at = self.i
        self.i += 1
        out: list[str] = []
        while self.i < self.n:
            c = s[self.i]
            if c == '"':
                self.i += 1
                return "".join(out)
            if c == "\\" and self.i + 1 < self.n:
                nxt = s[self.i + 1]
                if nxt == "\n":
                    self.i += 2
                    continue
                if nxt in '"\\$`':
                    out.append(nxt)
                    self.i += 2
                    continue
                out.append(c)
                self.i += 1
                continue
            if c == "$":
                self.i += 1
                out.append(self._param(word))
                continue
            if c == "`":
                end = s.find("`", self.i + 1)
                if end == -1:
                    raise ShellSyntaxError("unterminated backquote", self.i)
                raw = s[self.i : end + 1]
                word.unresolved.append(raw)
                out.append(raw)
                self.i = end + 1
                continue
            out.append(c)
            self.i += 1
        raise ShellSyntaxError("unterminated double quote", open_at)


_SKIP = object()


def _default_unresolved(name: str) -> str:
    return "${" + name + "}"


def parse_script(
    text: str,
    env: Env | None = None,
    *,
    expand: bool = True,
    apply_assignments: bool = True,
    origin: Callable[[int], str] | None = None,
) -> list[Command]:
    """Split a script into simple commands. Assignment statements update ``env`` in order.

    Raises ShellSyntaxError on unterminated quotes/substitutions.
    """
    with parse_budget():
        return _parse_script(text, env, expand, apply_assignments, origin)


def _parse_script(
    text: str,
    env: Env | None,
    expand: bool,
    apply_assignments: bool,
    origin: Callable[[int], str] | None,
) -> list[Command]:
    env = env if env is not None else Env()
    lex = _Lexer(text, env, expand, _default_unresolved)
    commands: list[Command] = []
    words: list[Word] = []
    cmd_start = None

    def finish(background: bool = False) -> None:
        nonlocal words, cmd_start
        if words:
            cmd = _make_command(words, env, apply_assignments, origin)
            cmd.background = background
            if cmd.words or cmd.assignments:
                commands.append(cmd)
        words = []
        cmd_start = None

    while True:
        tok = lex.next_token()
        if tok is None:
            break
        kind, val = tok
        if kind == "op":
            finish(background=val == "&")
            continue
        w = val  # type: ignore[assignment]
        if w.text == "" and not w.quoted and w.end > w.start and lex.s[w.start] == "$":
            continue  # an unquoted expansion to nothing is not a word
        if cmd_start is None:
            cmd_start = w.start
        if len(words) >= MAX_WORDS:
            raise ShellSyntaxError(f"a command of more than {MAX_WORDS} words", cmd_start)
        words.append(w)
        # Assignment words are expanded with the env at the time; apply eagerly so
        # `A=1; B=$A` works (a prefix assignment `A=1 cmd` is only visible to cmd).
    finish()
    return commands


_KEYWORD_PREFIXES = {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"}
_KEYWORD_SKIP = {"fi", "done", "esac", "}", "then", "do", "else"}
_DECLARERS = {"export", "local", "declare", "readonly", "typeset"}


def _make_command(
    words: list[Word], env: Env, apply_assignments: bool, origin: Callable[[int], str] | None
) -> Command:
    start, end = words[0].start, words[-1].end
    all_words = words
    # Drop leading shell keywords (if/then/do/...), keep the simple command after them.
    while words and words[0].text in _KEYWORD_PREFIXES and not words[0].quoted:
        words = words[1:]
    if words and words[0].text in _KEYWORD_SKIP and not words[0].quoted:
        words = words[1:]
    assignments: list[tuple[str, Word]] = []
    i = 0
    while i < len(words):
        m = _ASSIGN.match(words[i].text) if not words[i].text.startswith("=") else None
        raw_first = words[i].text.split("=", 1)[0]
        if m and _NAME.fullmatch(raw_first):
            assignments.append((m.group(1), _value_word(words[i], m.group(3))))
            i += 1
        else:
            break
    rest = words[i:]
    if rest and rest[0].text in _DECLARERS and not rest[0].quoted:
        for w in rest[1:]:
            m = _ASSIGN.match(w.text)
            if m:
                assignments.append((m.group(1), _value_word(w, m.group(3))))
        rest = []
    if apply_assignments and not rest:
        for name, w in assignments:
            where = origin(w.start) if origin else "script"
            env.set(name, EnvValue(w.text, where, resolved=w.resolved))
    return Command(rest, assignments, start, end, all_words=list(all_words))


def _value_word(w: Word, value: str) -> Word:
    return Word(value, w.start, w.end, w.quoted, list(w.unresolved), list(w.expansions))


def split_words(text: str, env: Env | None = None, *, expand: bool = True) -> list[Word]:
    """Split one command line (like shlex.split) keeping offsets; operators end the line."""
    cmds = parse_script(text, env, expand=expand, apply_assignments=False)
    out: list[Word] = []
    for c in cmds:
        out.extend(c.all_words)
    return out
