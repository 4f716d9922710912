"""Dockerfiles: base image (engine and version from its tag), ENV/ARG, `RUN pip install` pins, and
the command the final stage runs (ENTRYPOINT + CMD, exec or shell form)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..engines.cli import Token
from ..facts import Diagnostic
from ..location import Aligner, Loc, SourceFile
from ..shell import (
    Env,
    EnvValue,
    ShellSyntaxError,
    charge_expansion,
    current_budget,
    split_words,
)
from . import FileFacts
from .commands import (
    CommandError,
    LaunchContext,
    check_word_count,
    file_budget,
    launches_from_container,
    word_tokens,
)
from .pins import pins_from_commands

_DIRECTIVE = re.compile(r"^#\s*(escape|syntax|check)\s*=\s*(\S+)\s*$", re.I)


@dataclass
class Instruction:
    keyword: str  # upper-case
    args: str  # the rest, continuations joined
    line: int  # first line
    start: int  # offset of args in the file text
    end: int
    raw_lines: int = 1
    raw: str = ""  # the source text of the arguments, line continuations kept


@dataclass
class Stage:
    base: str
    base_loc: Loc
    name: str | None
    entrypoint: list[Token] | None = None
    entrypoint_shell: bool = False
    cmd: list[Token] | None = None
    env: dict[str, EnvValue] = field(default_factory=dict)
    workdir: str | None = None


@dataclass
class DockerfileInfo:
    stages: list[Stage]
    final: Stage | None
    external_base: str | None  # the first external image in the final stage's chain
    external_base_loc: Loc | None


def instructions(sf: SourceFile) -> list[Instruction]:
    text = sf.text
    lines = text.split("\n")
    escape = "\\"
    for line in lines[:5]:
        m = _DIRECTIVE.match(line.strip())
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("`", "\\"):
            escape = m.group(2)
    out: list[Instruction] = []
    offsets = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    i = 0
    heredoc: str | None = None
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if heredoc is not None:
            if stripped == heredoc:
                heredoc = None
            i += 1
            continue
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        m = re.match(r"\s*([A-Za-z]+)(\s+|$)", line)
        if not m:
            i += 1
            continue
        kw = m.group(1).upper()
        start = offsets[i] + m.end()
        parts = [line[m.end() :]]
        first = i
        while parts[-1].rstrip().endswith(escape) and i + 1 < len(lines):
            parts[-1] = parts[-1].rstrip()[:-1]
            i += 1
            nxt = lines[i]
            if nxt.strip().startswith("#"):
                parts.append("")
                continue
            parts.append(nxt)
        end = offsets[i] + len(lines[i])
        args = "\n".join(parts)
        hm = re.search(r"<<-?\s*[\"']?(\w+)[\"']?", args)
        if hm and kw in ("RUN", "COPY", "ADD"):
            heredoc = hm.group(1)
        raw = text[start:end]
        if escape == "`":
            raw = raw.replace("`\n", "\\\n")
        out.append(Instruction(kw, args, first + 1, start, end, i - first + 1, raw))
        i += 1
    return out


_SUBST = re.compile(r"\$\{([A-Za-z_]\w*)(?::?-([^}]*))?\}|\$([A-Za-z_]\w*)")


def _substitute(text: str, env: dict[str, EnvValue]) -> str:
    """Build-time substitution of ARG/ENV values (`${NAME}`, `${NAME:-default}`, `$NAME`)."""

    def rep(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(3)
        v = env.get(name)
        if v is not None and v.resolved and v.value != "" and charge_expansion(len(v.value)):
            return v.value
        if m.group(2) is not None:
            return m.group(2)
        return m.group(0)

    return _SUBST.sub(rep, text) if "$" in text else text


def _exec_form(sf: SourceFile, ins: Instruction) -> list[Token] | None:
    body = ins.args.strip()
    if not body.startswith("["):
        return None
    try:
        items = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        return None
    check_word_count(len(items), Loc(sf.path, ins.line, 1, ins.line, 2))
    text = sf.text
    out: list[Token] = []
    cursor = ins.start
    for item in items:
        raw = json.dumps(item)
        idx = text.find(raw, cursor, ins.end + 1)
        if idx == -1:
            idx = text.find(item, cursor, ins.end + 1)
            span = len(item)
        else:
            span = len(raw)
        if idx == -1:
            idx, span = ins.start, 1
        al = Aligner(
            sf.path, text, idx + (1 if span == len(json.dumps(item)) else 0), idx + span, item
        )
        line, col = sf.offset_to_linecol(idx)
        eline, ecol = sf.offset_to_linecol(idx + span)
        loc = Loc(sf.path, line, col, eline, ecol)
        out.append(Token(item, loc, "$" not in item, None, al))
        cursor = idx + span
    return out


def _shell_form(sf: SourceFile, ins: Instruction) -> list[Token]:
    """Shell form runs `/bin/sh -c "<args>"`: one script token for the launcher to descend into."""
    text = sf.text
    al = Aligner(sf.path, text, ins.start, ins.end, ins.raw)
    loc = al.loc(0, len(ins.raw.rstrip()))
    return [Token("/bin/sh", loc), Token("-c", loc), Token(ins.raw, loc, True, None, al)]


def parse(sf: SourceFile, facts: FileFacts) -> None:
    with file_budget(sf.path, facts.diagnostics):
        _parse(sf, facts)


def _parse(sf: SourceFile, facts: FileFacts) -> None:
    stages: list[Stage] = []
    named: dict[str, Stage] = {}  # stage name -> the first stage of that name
    global_args: dict[str, EnvValue] = {}
    cur: Stage | None = None
    for ins in instructions(sf):
        kw = ins.keyword
        if kw == "ARG":
            for part in ins.args.split():
                name, _, default = part.partition("=")
                target = cur.env if cur is not None else global_args
                if default:
                    target[name] = EnvValue(default.strip("\"'"), f"ARG at line {ins.line}")
                elif name not in target:
                    target[name] = EnvValue("", f"ARG at line {ins.line}", resolved=False)
        elif kw == "FROM":
            words = [w for w in ins.args.split() if not w.startswith("--")]
            if not words:
                continue
            base = _substitute(words[0], global_args)
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            col = sf.line_text(ins.line).find(words[0]) + 1
            loc = Loc(sf.path, ins.line, max(col, 1), ins.line, max(col, 1) + len(words[0]))
            parent = named.get(base.lower())
            st = Stage(base, loc, name.lower() if name else None)
            if parent is not None:
                st.entrypoint, st.cmd = parent.entrypoint, parent.cmd
                st.entrypoint_shell = parent.entrypoint_shell
                budget = current_budget()
                if budget is None or budget.copy(len(parent.env)):
                    st.env = dict(parent.env)
            stages.append(st)
            if st.name:
                named.setdefault(st.name, st)
            cur = st
        elif cur is None:
            continue
        elif kw == "ENV":
            _parse_env(ins, cur, sf.path)
        elif kw == "WORKDIR":
            cur.workdir = ins.args.strip()
        elif kw in ("CMD", "ENTRYPOINT"):
            try:
                toks = _exec_form(sf, ins)
            except CommandError as e:
                facts.diagnostics.append(Diagnostic(e.loc, f"cannot parse command: {e}", str(e)))
                continue
            shell = toks is None
            if toks is None:
                toks = _shell_form(sf, ins)
            if kw == "CMD":
                cur.cmd = toks
            else:
                cur.entrypoint = toks
                cur.entrypoint_shell = shell
                cur.cmd = None  # ENTRYPOINT resets an inherited CMD
    final = stages[-1] if stages else None
    ext, ext_loc = None, None
    if final is not None:
        chain = final
        seen = 0
        while chain is not None and seen < 50:
            seen += 1
            parent = named.get(chain.base.lower())
            if parent is None:
                ext, ext_loc = chain.base, chain.base_loc
                break
            chain = parent
    facts.data["dockerfile"] = DockerfileInfo(stages, final, ext, ext_loc)
    facts.pins.extend(pins_from_commands(sf, "dockerfile"))
    if final is None:
        return
    if final.cmd is None and final.entrypoint is None:
        # No command of its own: the image is run with arguments given elsewhere (compose,
        # Kubernetes, `docker run`), which read this Dockerfile when they build it.
        return
    env = Env({**global_args, **final.env})
    ctx = LaunchContext(sf.path, "Dockerfile", sf.path.parent, env)
    cmd = final.cmd
    entry = final.entrypoint
    if entry is not None and final.entrypoint_shell:
        cmd = None  # shell-form ENTRYPOINT ignores CMD
    try:
        facts.launches.extend(launches_from_container(ext, ext_loc, entry, cmd, ctx))
    except CommandError as e:
        facts.diagnostics.append(Diagnostic(e.loc, f"cannot parse command: {e}", str(e)))


def _parse_env(ins: Instruction, stage: Stage, path: Path | None = None) -> None:
    at = Loc(path, ins.line) if path is not None else None
    body = ins.args.strip()
    env_view = Env(dict(stage.env))
    try:
        words = split_words(body.replace("\n", " "), env_view)
    except ShellSyntaxError:
        return
    if words and "=" not in words[0].text and len(words) >= 1:
        # legacy form: ENV KEY value with spaces
        key = words[0].text
        value = body[len(key) :].strip()
        stage.env[key] = EnvValue(value.strip("\"'"), f"Dockerfile ENV (line {ins.line})", loc=at)
        return
    for w in words:
        k, eq, v = w.text.partition("=")
        if eq:
            stage.env[k] = EnvValue(v, f"Dockerfile ENV (line {ins.line})", w.resolved, loc=at)


__all__ = ["DockerfileInfo", "Stage", "instructions", "parse", "word_tokens"]
