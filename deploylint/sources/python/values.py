"""What the evaluator computes: values of expressions, each with where it was written.

An expression evaluates to one of the ``Val`` classes below. A scalar that cannot be known is an
unresolved ``Sc`` (``resolved=False``) whose ``origin`` says what it depends on; nothing is ever
guessed. Lists may hold ``MORE`` (elements we could not follow); a variable assigned differently
on different paths holds ``AMBIG``.

Library objects (an OpenAI client, a ``vllm.LLM``, a Hugging Face model ...) are subclasses of
``Obj`` defined by the recogniser of their library; the few shared by the evaluator and several
recognisers are here.
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeAlias

from ...facts import Messages
from ...location import Loc

if TYPE_CHECKING:
    from ...facts import Launch


class More(enum.Enum):
    """In a list: zero or more elements we could not follow."""

    MORE = 0

    def __repr__(self) -> str:
        return "..."


class Ambig(enum.Enum):
    """A variable assigned differently on different paths."""

    AMBIG = 0


MORE: Final = More.MORE
AMBIG: Final = Ambig.AMBIG

# (function, control depth) where a list or dict was created; see Evaluator.certain
Depth: TypeAlias = tuple[int, int]


@dataclass(eq=False, slots=True)
class Sc:
    """A scalar (or unknown) value."""

    value: Any  # str | int | float | bool | None when resolved
    loc: Loc
    resolved: bool = True
    origin: str | None = None
    partial: str | None = None  # a string known in part, unknown parts as {expr}
    env_var: str | None = None  # the value is (the default of) this environment variable
    node: ast.AST | None = None  # for an unknown: the expression (origin computed on demand)
    # a string assigned differently on different paths: each path's text (known, or known in
    # part with unknown parts as {expr}); the value is one of them
    alts: tuple[str, ...] | None = None

    @property
    def text(self) -> str | None:
        if self.resolved and isinstance(self.value, str):
            return self.value
        return self.partial


@dataclass(eq=False, slots=True)
class DictV:
    entries: dict[str, Val]
    loc: Loc
    key_locs: dict[str, Loc] = field(default_factory=dict)
    complete: bool = True  # False: a **spread or a key we could not read
    depth: Depth = (0, 0)  # where it was created


@dataclass(eq=False, slots=True)
class ListV:
    items: list[Item]
    loc: Loc
    depth: Depth = (0, 0)  # where it was created
    elem: Val | None = None  # a comprehension's element
    is_tuple: bool = False


@dataclass(eq=False, slots=True)
class Ref:
    """An imported module or name (qualified)."""

    qual: str


@dataclass(eq=False, slots=True)
class Member:
    """`base.a.b` whose meaning is decided when it is called."""

    base: Val
    attrs: tuple[str, ...]
    base_name: str | None
    loc: Loc


@dataclass(eq=False)
class Obj:
    """An object made by a call the evaluator or a recogniser understands."""

    kind: ClassVar[str] = "object"  # named in messages when ``cls`` is empty
    loc: Loc
    cls: str = ""  # the class or function that made it, as the messages name it
    var: str | None = None  # the first variable it was bound to

    def model_ref(self) -> Val | None:
        """The model this object was made from (an id or path, or a model object)."""
        return None

    def bound(self, name: str) -> None:
        """The object is assigned to the variable (or attribute) ``name``."""
        if self.var is None:
            self.var = name

    def item(self, key: Val) -> Val | None:
        """``obj[key]``, when the object's class knows (a dataset's split or row ...)."""
        return None


@dataclass(eq=False, kw_only=True)
class Instance(Obj):
    """An instance of a class defined in the module (one per class)."""

    kind: ClassVar[str] = "instance"
    klass: ClassV


@dataclass(eq=False, kw_only=True)
class LaunchObj(Obj):
    """An engine started from Python (``vllm.LLM``, ``lmdeploy.pipeline``): a ``Launch`` fact."""

    launch: Launch
    model: Val | None

    def model_ref(self) -> Val | None:
        return self.model


@dataclass(eq=False, kw_only=True)
class KwargsObj(Obj):
    """A configuration object whose keyword arguments matter (SamplingParams, LoraConfig ...)."""

    kwargs: dict[str, Val]
    locs: dict[str, Loc]  # where each keyword is written


@dataclass(eq=False, kw_only=True)
class GenConfig(KwargsObj):
    """``transformers.GenerationConfig`` or ``lmdeploy.GenerationConfig``."""

    kind: ClassVar[str] = "gen-config"


@dataclass(eq=False, kw_only=True)
class JsonText(Obj):
    """``json.dumps(body)``."""

    kind: ClassVar[str] = "json-text"
    body: Val | None


@dataclass(eq=False)
class Response(Obj):
    """What a recognised request returns."""

    kind: ClassVar[str] = "response"


@dataclass(eq=False, kw_only=True)
class ChatText(Obj):
    """Text produced by a chat template (``apply_chat_template(..., tokenize=False)``)."""

    kind: ClassVar[str] = "chat-text"
    messages: Messages | None = None
    markup: bool = False  # the text around it holds turn markers
    tokenizer: Obj | None = None  # the tokenizer (or processor) whose template made it
    call: Loc | None = None  # where apply_chat_template is called
    template_kwargs: dict[str, Val] = field(default_factory=dict)  # enable_thinking ...
    template_op: Any = None  # the apply_chat_template ClientCall that made it (issue 13, DPL104)


@dataclass(eq=False, kw_only=True)
class Tokens(Obj):
    """Token ids; ``source`` says what they were made from ("raw", "chat", "unknown")."""

    kind: ClassVar[str] = "tokens"
    source: str = "unknown"
    messages: Messages | None = None
    text: Val | None = None  # what was tokenized (a string, a chat text), when known
    encoding: dict[str, Any] | None = None  # a processor's padding/truncation and images
    template_op: Any = None  # the apply_chat_template ClientCall the ids come from (DPL104)


@dataclass(eq=False)
class FuncV:
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    scope: Scope
    cls: ClassV | None = None
    state: int = 0  # 0 new, 1 running, 2 done
    returns: list[Val] = field(default_factory=list)
    generator: bool = False
    mutates: bool | None = None  # may change a list/dict argument (computed on first call)


@dataclass(eq=False)
class ClassV:
    node: ast.ClassDef
    scope: Scope  # the class body's scope
    methods: dict[str, FuncV] = field(default_factory=dict)
    attrs: dict[str, Val | Ambig] = field(default_factory=dict)
    instance: Instance | None = None
    done: bool = False
    ctor_args: bool = False  # called with arguments somewhere


Val: TypeAlias = Sc | DictV | ListV | Ref | Member | Obj | FuncV | ClassV
Item: TypeAlias = Val | More  # an element of a list
Binding: TypeAlias = tuple[Val | Ambig, int]  # a variable's value and the line it was set


class Scope:
    __slots__ = ("vars", "parent", "module", "name")

    def __init__(self, parent: Scope | None, module: bool, name: str = ""):
        self.vars: dict[str, Binding] = {}
        self.parent = parent
        self.module = module
        self.name = name

    def find(self, name: str) -> tuple[Binding | None, Scope | None]:
        s: Scope | None = self
        while s is not None:
            hit = s.vars.get(name)
            if hit is not None:
                return hit, s
            s = s.parent
        return None, None


@dataclass
class CallArgs:
    node: ast.Call
    args: list[Val]
    arg_nodes: list[ast.expr]
    kwargs: dict[str, Val]
    kw_nodes: dict[str, ast.expr]  # value expressions (absent for keys from a **dict)
    kw_locs: dict[str, Loc]  # where each keyword name is written
    spreads: list[Val]  # **x that could not be expanded
    spread_texts: list[str]
    star: bool = False  # *args that could not be expanded

    def get(self, name: str | None, pos: int | None = None) -> Val | None:
        if name is not None and name in self.kwargs:
            return self.kwargs[name]
        if pos is not None and pos < len(self.args):
            return self.args[pos]
        return None

    def node_of(self, name: str | None, pos: int | None = None) -> ast.expr | None:
        if name is not None and name in self.kw_nodes:
            return self.kw_nodes[name]
        if pos is not None and pos < len(self.arg_nodes):
            return self.arg_nodes[pos]
        return None


# -- small helpers on values -------------------------------------------------------------------


def str_value(x: Val | None) -> str | None:
    """The text of a resolved string scalar."""
    if isinstance(x, Sc) and x.resolved and isinstance(x.value, str):
        return x.value
    return None


def is_num(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def squash(items: list[Item]) -> list[Item]:
    """Adjacent ``MORE`` markers as one."""
    out: list[Item] = []
    for i in items:
        if i is MORE and out and out[-1] is MORE:
            continue
        out.append(i)
    return out


def same(a: Val | Ambig, b: Val | Ambig) -> bool:
    if a is b:
        return True
    if isinstance(a, Sc) and isinstance(b, Sc):
        return a.resolved and b.resolved and type(a.value) is type(b.value) and a.value == b.value
    if isinstance(a, Ref) and isinstance(b, Ref):
        return a.qual == b.qual
    return False


def copy_value(x: Val, depth: Depth) -> Val:
    """A shallow copy of a list or dict (created at ``depth``); anything else as it is."""
    if isinstance(x, ListV):
        return ListV(list(x.items), x.loc, depth, x.elem, x.is_tuple)
    if isinstance(x, DictV):
        return DictV(dict(x.entries), x.loc, dict(x.key_locs), x.complete, depth)
    return x


def merge_vars(results: list[dict[str, Binding]]) -> dict[str, Binding]:
    """Variables after branches: kept when every path that defines it agrees (a name defined on
    some paths only keeps that value: a later use means one of those paths ran)."""
    names: set[str] = set()
    for r in results:
        names.update(r)
    out: dict[str, Binding] = {}
    for n in names:
        vals = [r[n] for r in results if n in r]
        first = vals[0]
        if all(v[0] is first[0] or same(v[0], first[0]) for v in vals[1:]):
            out[n] = first
        else:
            out[n] = (_one_of(n, [v[0] for v in vals]) or AMBIG, first[1])
    return out


def _one_of(name: str, vals: list[Val | Ambig]) -> Sc | None:
    """A string that is one of the texts ``vals`` (each known, or known in part)."""
    texts: list[str] = []
    for v in vals:
        if not isinstance(v, Sc):
            return None
        for t in v.alts if v.alts is not None else (v.text,):
            if t is None:
                return None
            if t not in texts:
                texts.append(t)
    first = vals[0]
    assert isinstance(first, Sc)
    origin = f"`{name}` is assigned differently on some paths"
    return Sc(None, first.loc, False, origin, alts=tuple(texts))


def plain(x: Item) -> tuple[Any, bool]:
    """Plain data (str, numbers, lists, dicts) of a value, and whether all of it is known."""
    if isinstance(x, Sc):
        return (x.value if x.resolved else None), x.resolved
    if isinstance(x, DictV):
        out: dict[str, Any] = {}
        ok = x.complete
        for k, v in x.entries.items():
            out[k], sub = plain(v)
            ok = ok and sub
        return out, ok
    if isinstance(x, ListV):
        lst: list[Any] = []
        ok = MORE not in x.items
        for i in x.items:
            if i is MORE:
                continue
            val, sub = plain(i)
            lst.append(val)
            ok = ok and sub
        return lst, ok
    if isinstance(x, Ref) and x.qual.startswith("torch."):
        return x.qual, True
    return None, False


def truth(x: Val) -> bool | None:
    """Python's truth value of ``x`` when known."""
    if isinstance(x, Sc):
        return bool(x.value) if x.resolved else None
    if isinstance(x, ListV):
        if MORE in x.items:
            return True if any(i is not MORE for i in x.items) else None
        return bool(x.items)
    if isinstance(x, DictV):
        if x.entries:
            return True
        return False if x.complete else None
    return None


def loc_of(x: Val | None, default: Loc) -> Loc:
    if isinstance(x, (Sc, DictV, ListV, Obj)):
        return x.loc
    return default


def template_call(x: Item | None) -> Any:
    """The ``apply_chat_template`` ClientCall behind a prompt value (the chat text or token ids
    it returned, alone or in a list), or None (DPL104)."""
    if isinstance(x, (ChatText, Tokens)):
        return x.template_op
    if isinstance(x, ListV):
        for i in [*x.items, x.elem]:
            if isinstance(i, (ChatText, Tokens)) and i.template_op is not None:
                return i.template_op
    if isinstance(x, DictV):
        for k in ("prompt", "input_ids", "inputs"):
            got = template_call(x.entries.get(k))
            if got is not None:
                return got
    return None
