"""Ollama Modelfiles: FROM, PARAMETER, TEMPLATE, SYSTEM, ADAPTER, MESSAGE, LICENSE (and the newer
REQUIRES, RENDERER, PARSER, DRAFT), as `ollama create` reads them.

The parser is a port of ``ParseFile`` in ollama/ollama parser/parser.go (@ fb30760996): a state
machine over the characters of the file. Instructions are case-insensitive and come in any order;
a value runs to the end of the line unless it is quoted — ``"…"`` or ``\"\"\"…\"\"\"`` — in which
case it runs on (across lines) until a line ends with the closing quote; ``#`` starts a comment
only where an instruction could start. Whatever ``ParseFile`` rejects (an unknown instruction, an
unterminated quote, a MESSAGE role other than system/user/assistant, no FROM) is a DPL000
diagnostic with its line.

The file becomes one ``Launch(engine="ollama", form="Modelfile")``: the FROM value is the
positional model token, the other instructions are options (``--adapter``, ``--template``,
``--system``, ``--license``, ``--message`` with [role, text], ``--parameter`` with [name, value],
``--requires``, ``--renderer``, ``--parser``, ``--draft``) whose tokens carry exact locations; the
parsed values are the launch's ``OllamaArgs.modelfile``, a ``ModelfileSummary`` of ``Value``s.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..engines.cli import ArgOcc, OptSpec, ParsedArgs, Token
from ..facts import Diagnostic, Launch, Value
from ..launch_details import ModelfileSummary, OllamaArgs
from ..location import Aligner, Loc, SourceFile
from . import FileFacts

_NIL, _NAME, _VALUE, _PARAMETER, _MESSAGE, _COMMENT = range(6)

_COMMANDS = {
    "from",
    "license",
    "template",
    "system",
    "adapter",
    "draft",
    "renderer",
    "parser",
    "parameter",
    "message",
    "requires",
}
_ROLES = {"system", "user", "assistant"}
ERR_INVALID_COMMAND = (
    'command must be one of "from", "license", "template", "system", "adapter", "draft", '
    '"renderer", "parser", "parameter", "message", or "requires"'
)
ERR_ROLE = 'message role must be one of "system", "user", or "assistant"'

SPECS = {
    name: OptSpec("--" + name, "multi" if name in ("parameter", "message") else "value")
    for name in (
        "adapter",
        "template",
        "system",
        "license",
        "message",
        "parameter",
        "requires",
        "renderer",
        "parser",
        "draft",
    )
}


class ModelfileError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


@dataclass
class Span:
    text: str  # the value as ollama uses it (unquoted)
    start: int  # offsets of the raw text in the file (quotes included)
    end: int


@dataclass
class Instruction:
    name: str  # "model" for FROM, the parameter name for PARAMETER, else the lower-case keyword
    keyword: Span  # the instruction word as written (FROM, parameter ...)
    value: Span
    sub: Span | None = None  # PARAMETER name / MESSAGE role
    kind: str = ""  # "from" | "parameter" | "message" | the keyword
    extra: dict = field(default_factory=dict)


_BLANK = frozenset(" \t\r\n\v\f")
_PLAIN_RUN = re.compile(r"[!-~]+")  # what the value is stripped of before it is unquoted


def _is_space(ch: str) -> bool:
    return ch in " \t"


def _is_newline(ch: str) -> bool:
    return ch in "\r\n"


def _is_alpha(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def _is_print(ch: str) -> bool:
    """Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space."""
    return ch == " " or unicodedata.category(ch)[0] in "LMNPS"


def _unquote(s: str) -> tuple[str, bool]:
    if len(s) >= 3 and s[:3] == '"""':
        if len(s) >= 6 and s[-3:] == '"""':
            return s[3:-3], True
        return "", False
    if len(s) >= 1 and s[0] == '"':
        if len(s) >= 2 and s[-1] == '"':
            return s[1:-1], True
        return "", False
    return s, True


def _next_state(ch: str, state: int) -> tuple[int, bool, str | None]:
    """parseRuneForState: (next state, keep the character, error)."""
    if state == _NIL:
        if ch == "#":
            return _COMMENT, False, None
        if _is_space(ch) or _is_newline(ch):
            return _NIL, False, None
        return _NAME, True, None
    if state == _NAME:
        if _is_alpha(ch):
            return _NAME, True, None
        if _is_space(ch):
            return _VALUE, False, None
        return _NIL, False, ERR_INVALID_COMMAND
    if state == _VALUE:
        if _is_newline(ch) or _is_space(ch):
            return _NIL, True, None
        return _VALUE, True, None
    if state == _PARAMETER:
        if _is_alpha(ch) or ("0" <= ch <= "9") or ch == "_":
            return _PARAMETER, True, None
        if _is_space(ch):
            return _VALUE, False, None
        return _NIL, False, "unexpected EOF"
    if state == _MESSAGE:
        if _is_alpha(ch):
            return _MESSAGE, True, None
        if _is_space(ch):
            return _VALUE, False, None
        return _NIL, False, "unexpected EOF"
    # comment
    if _is_newline(ch):
        return _NIL, False, None
    return _COMMENT, False, None


def parse_modelfile(text: str) -> list[Instruction]:
    """The instructions of a Modelfile, as parser/parser.go ParseFile reads it."""
    buf: list[str] = []
    pos: list[int] = []  # file offset of each character in buf
    state = _NIL
    out: list[Instruction] = []
    keyword: Span | None = None
    sub: Span | None = None
    name = ""
    kind = ""
    role = ""

    def span(chars: list[str], offs: list[int]) -> Span:
        return Span("".join(chars), offs[0] if offs else 0, offs[-1] + 1 if offs else 0)

    # The value is looked at again at every blank in it (ParseFile unquotes the whole buffer each
    # time, to see whether a quoted value has ended). Joining the buffer each time was quadratic
    # in the length of a quoted value (a TEMPLATE): instead its first and last non-blank
    # characters are tracked as the buffer grows, whether it is a complete value is read from
    # them, and the buffer is joined only once it is one.
    vbuf: list[str] | None = None  # the buffer the three below describe
    vseen = 0  # how much of it was looked at
    vlead = vlast = -1  # its first and last non-blank characters (-1: all blank so far)

    def value_span() -> tuple[Span, bool]:
        nonlocal vbuf, vseen, vlead, vlast
        if vbuf is not buf:  # a new value
            vbuf, vseen, vlead, vlast = buf, 0, -1, -1
        for k in range(vseen, len(buf)):
            if buf[k] not in _BLANK:
                if vlead < 0:
                    vlead = k
                vlast = k
        vseen = len(buf)
        if vlead < 0:
            start = pos[0] if pos else 0
            return Span("", start, start), True
        n = vlast + 1 - vlead  # the length of the value with its blanks stripped
        if n >= 3 and buf[vlead] == buf[vlead + 1] == buf[vlead + 2] == '"':
            ok = n >= 6 and buf[vlast] == buf[vlast - 1] == buf[vlast - 2] == '"'
        elif buf[vlead] == '"':
            ok = n >= 2 and buf[vlast] == '"'
        else:
            ok = True
        value = _unquote("".join(buf[vlead : vlast + 1]))[0] if ok else ""
        return Span(value, pos[vlead], pos[vlast] + 1), ok

    i = -1
    n_text = len(text)
    while i + 1 < n_text:
        i += 1
        ch = text[i]
        if state == _VALUE and "!" <= ch <= "~":
            # A run of printable ASCII in a value (a TEMPLATE can be megabytes): each of its
            # characters keeps the state and is kept, as _next_state and _is_print would say.
            m = _PLAIN_RUN.match(text, i)
            j = m.end() if m is not None else i + 1  # (it matches: text[i] is printable)
            buf.extend(text[i:j])
            pos.extend(range(i, j))
            i = j - 1
            continue
        nxt, keep, err = _next_state(ch, state)
        if err is not None:
            raise ModelfileError(err, i)
        if nxt != state:
            if state == _NAME:
                word = "".join(buf)
                if word.lower() not in _COMMANDS:
                    raise ModelfileError(ERR_INVALID_COMMAND, pos[0] if pos else i)
                keyword = span(buf, pos)
                low = word.lower()
                kind = low
                if low == "from":
                    name = "model"
                elif low == "parameter":
                    nxt = _PARAMETER
                elif low == "message":
                    nxt = _MESSAGE
                    name = "message"
                else:
                    name = low
            elif state == _PARAMETER:
                name = "".join(buf)
                sub = span(buf, pos)
            elif state == _MESSAGE:
                role = "".join(buf)
                if role not in _ROLES:
                    raise ModelfileError(ERR_ROLE, pos[0] if pos else i)
                sub = span(buf, pos)
            elif state == _VALUE:
                v, ok = value_span()
                if not ok or _is_space(ch):
                    buf.append(ch)
                    pos.append(i)
                    continue
                assert keyword is not None
                out.append(Instruction(name, keyword, v, sub, kind, {"role": role} if role else {}))
                role, sub = "", None
            buf, pos = [], []
            state = nxt
        if keep and _is_print(ch):
            buf.append(ch)
            pos.append(i)
    end = len(text)
    if state == _VALUE:
        v, ok = value_span()
        if not ok:
            start = keyword.start if keyword is not None else end
            quote = '"""' if "".join(buf).strip().startswith('"""') else '"'
            raise ModelfileError(
                f"unterminated {quote} quoted value (ollama create: unexpected EOF)", start
            )
        assert keyword is not None
        out.append(Instruction(name, keyword, v, sub, kind, {"role": role} if role else {}))
    elif state not in (_NIL, _COMMENT):
        raise ModelfileError("unexpected end of file (ollama create: unexpected EOF)", end - 1)
    if not any(ins.name == "model" for ins in out):
        raise ModelfileError("no FROM line", 0)
    return out


def parse(sf: SourceFile, facts: FileFacts) -> None:
    text = sf.text
    try:
        instructions = parse_modelfile(text)
    except ModelfileError as e:
        off = min(max(e.offset, 0), max(len(text) - 1, 0))
        if not text:
            loc = Loc(sf.path, 1, 1, 1, 2)
        else:
            line, col = sf.offset_to_linecol(off)
            loc = Loc(sf.path, line, col, line, col + 1)
        if str(e) == "no FROM line":
            loc = Loc(sf.path, 1, 1, 1, 2)
        facts.diagnostics.append(Diagnostic(loc, f"invalid Modelfile: {e}", str(e)))
        return
    facts.launches.append(_launch(sf, instructions))


def _loc(sf: SourceFile, start: int, end: int) -> Loc:
    if end <= start:
        line, col = sf.offset_to_linecol(start)
        return Loc(sf.path, line, col, line, col + 1)
    line, col = sf.offset_to_linecol(start)
    eline, ecol = sf.offset_to_linecol(end - 1)
    return Loc(sf.path, line, col, eline, ecol + 1)


def _token(sf: SourceFile, sp: Span, origin: str | None = None) -> Token:
    mapper = Aligner(sf.path, sf.text, sp.start, sp.end, sp.text)
    return Token(sp.text, _loc(sf, sp.start, sp.end), True, origin, mapper)


def _launch(sf: SourceFile, instructions: list[Instruction]) -> Launch:
    args = ParsedArgs()
    tokens: list[Token] = []
    froms: list[Value] = []
    adapters: list[Value] = []
    parameters: dict[str, list[Value]] = {}
    stops: list[Value] = []
    messages: list[Value] = []
    licenses: list[Value] = []
    unknown_parameters: list[Value] = []
    single: dict[str, Value] = {}  # TEMPLATE, SYSTEM ...: the last one wins
    from ..engines import ollama

    known = set(ollama.PARAMETERS) | set(ollama.DEPRECATED_PARAMETERS)
    first_from: Token | None = None
    for ins in instructions:
        kw = _token(sf, ins.keyword)
        tokens.append(kw)
        if ins.kind == "from" and first_from is None:
            first_from = kw
        if ins.kind == "from":
            tok = _token(sf, ins.value)
            tokens.append(tok)
            args.positionals.append(tok)
            froms.append(Value(ins.value.text, tok.loc))
            continue
        if ins.kind == "parameter":
            assert ins.sub is not None
            ntok = _token(sf, ins.sub)
            vtok = _token(sf, ins.value)
            tokens += [ntok, vtok]
            args.options.setdefault("parameter", []).append(
                ArgOcc(SPECS["parameter"], kw, [ntok, vtok])
            )
            val = Value(ins.value.text, vtok.loc, origin=f"PARAMETER {ins.name}")
            parameters.setdefault(ins.name, []).append(val)
            if ins.name == "stop":
                stops.append(val)
            if ins.name not in known:
                unknown_parameters.append(Value(ins.name, ntok.loc))
            continue
        if ins.kind == "message":
            assert ins.sub is not None
            rtok = _token(sf, ins.sub)
            vtok = _token(sf, ins.value)
            tokens += [rtok, vtok]
            args.options.setdefault("message", []).append(
                ArgOcc(SPECS["message"], kw, [rtok, vtok])
            )
            messages.append(
                Value({"role": ins.extra.get("role", ""), "content": ins.value.text}, vtok.loc)
            )
            continue
        vtok = _token(sf, ins.value)
        tokens.append(vtok)
        args.options.setdefault(ins.kind, []).append(ArgOcc(SPECS[ins.kind], kw, [vtok]))
        val = Value(ins.value.text, vtok.loc)
        if ins.kind == "adapter":
            adapters.append(val)
        elif ins.kind == "license":
            licenses.append(val)
        else:
            single[ins.kind] = val
    summary = ModelfileSummary(
        from_=froms[-1] if froms else None,
        froms=froms,
        template=single.get("template"),
        system=single.get("system"),
        adapters=adapters,
        parameters=parameters,
        stops=stops,
        messages=messages,
        license=licenses,
        requires=single.get("requires"),
        renderer=single.get("renderer"),
        parser=single.get("parser"),
        draft=single.get("draft"),
        unknown_parameters=unknown_parameters,
    )
    assert first_from is not None  # parse_modelfile requires a FROM
    return Launch(
        engine="ollama",
        form="Modelfile",
        loc=first_from.loc,
        tokens=tokens,
        args=args,
        context="Modelfile",
        base_dir=sf.path.parent,
        model_token=args.positionals[-1],
        engine_args=OllamaArgs(modelfile=summary),
    )
