"""Python client, inference and training scripts → facts.

What is recognised (each call site becomes a fact with its location):

* OpenAI SDK clients (`OpenAI`, `AsyncOpenAI`, `AzureOpenAI`, the module-level `openai.*` client and
  the pre-1.0 `openai.ChatCompletion`/`openai.Completion`), LangChain `ChatOpenAI`/`OpenAI`/
  `ChatOllama` → `ClientCall` (api "openai" / "ollama");
* raw HTTP (`requests`, `httpx`, `aiohttp`) to `/chat/completions`, `/v1/completions`, Ollama's
  `/api/chat` and `/api/generate` → `ClientCall` (api "http" / "ollama");
* vLLM offline: `LLM(...)` → a `Launch` built from synthesized command-line words (so it reads like
  `vllm serve`), `llm.chat` / `llm.generate` with `SamplingParams` and `LoRARequest`;
* LMDeploy `pipeline(...)` with its engine/template configs → a `Launch`; calls with
  `GenerationConfig`;
* the Ollama Python client;
* transformers / PEFT / TRL / Unsloth model handling → `PeftOp`s (load, adapters, get_peft_model,
  merge, save, generate) and `apply_chat_template` / `generate` → `ClientCall` (api "transformers").

Values are resolved within the module only: literals, constants and local variables in straight-
line code, f-strings and concatenation, `os.environ` defaults, dict/list literals (also built up
with `append`/`+=`/`insert`), `**kwargs` from literal dicts, argparse defaults, `self.x` set in a
class, the single return value of a local function. Anything else is reported as unresolved,
never guessed. The scanned code is parsed with the stdlib `ast`, never imported or executed; a
cheap text pre-filter skips modules that mention none of the libraries.

An unresolved `Value` has `value=None`, `resolved=False` and an `origin` saying what it depends
on. Keys this source puts in `ClientCall.extra` (when they apply):

* `prompt_is_raw_text`: True (plain strings), False (output of `apply_chat_template`), None
  (cannot tell); `prompt_has_chat_markup`: the literal text already holds turn markers;
* `default_sampling`: no SamplingParams / GenerationConfig given (the engine's defaults apply);
* `do_sample` (LMDeploy): a `Value(False)` whose origin names LMDeploy's GenerationConfig default
  when the code does not set `do_sample`;
* `extra_body` (dict of Values), `options` (Ollama), `sampling_params` / `gen_config` /
  `generate_kwargs` (every keyword as a Value), `lora_request` (the adapter path) and
  `lora_name`, `add_generation_prompt` (a Value, or None when not given: transformers defaults to
  False), `chat_template`, `chat_template_kwargs`, `stream`, `client_var`, `client`
  ("unresolved" when the receiver is not known), `route` for HTTP, `unresolved_kwargs` (the
  `**x` that could not be expanded), `framework` ("langchain").
"""

from __future__ import annotations

import ast
import json
import re
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any

from ..engines.cli import Token
from ..facts import ClientCall, Diagnostic, Messages, PeftOp, Value
from ..location import Loc, SourceFile
from . import FileFacts

KEYWORDS = (
    "openai",
    "OpenAI",
    "chat/completions",
    "/v1/completions",
    "vllm",
    "LLM(",
    "SamplingParams",
    "from_pretrained",
    "apply_chat_template",
    "peft",
    "PeftModel",
    "lmdeploy",
    "pipeline(",
    "ollama",
    "requests",
    "httpx",
    "generate(",
)

SAMPLING_KEYS = frozenset(
    {
        "temperature",
        "top_p",
        "top_k",
        "min_p",
        "typical_p",
        "max_tokens",
        "max_completion_tokens",
        "max_new_tokens",
        "min_tokens",
        "min_new_tokens",
        "presence_penalty",
        "frequency_penalty",
        "repetition_penalty",
        "repeat_penalty",
        "seed",
        "random_seed",
        "n",
        "best_of",
        "stop",
        "stop_token_ids",
        "stop_words",
        "do_sample",
        "num_beams",
        "use_beam_search",
        "ignore_eos",
        "length_penalty",
        "num_predict",
        "mirostat",
        "mirostat_eta",
        "mirostat_tau",
        "tfs_z",
    }
)
# Request keys kept in ClientCall.extra when given (besides sampling and messages).
REQUEST_EXTRA_KEYS = (
    "stream",
    "chat_template",
    "chat_template_kwargs",
    "add_generation_prompt",
    "continue_final_message",
    "response_format",
    "reasoning_effort",
    "lora_request",
    "think",
    "keep_alive",
    "system",
    "template",
    "raw",
    "suffix",
    "echo",
)
CHAT_MARKUP = (
    "<|im_start|>",
    "<|start_header_id|>",
    "<|begin_of_text|>",
    "[INST]",
    "<start_of_turn>",
    "<|user|>",
    "<|assistant|>",
    "<｜User｜>",
    "<｜Assistant｜>",
    "<|User|>",
    "<|Assistant|>",
    "<|start|>",
)

HF_LIBS = frozenset({"transformers", "modelscope"})
LANGCHAIN_LIBS = frozenset(
    {"langchain_openai", "langchain_community", "langchain", "langchain_ollama", "langchain_core"}
)
OPENAI_CLIENTS = frozenset({"OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI"})
PEFT_TYPES = {
    "LoraConfig": "LORA",
    "PromptTuningConfig": "PROMPT_TUNING",
    "PrefixTuningConfig": "PREFIX_TUNING",
    "PromptEncoderConfig": "P_TUNING",
    "AdaLoraConfig": "ADALORA",
    "IA3Config": "IA3",
    "LoHaConfig": "LOHA",
    "LoKrConfig": "LOKR",
    "OFTConfig": "OFT",
    "BOFTConfig": "BOFT",
    "VeraConfig": "VERA",
    "XLoraConfig": "XLORA",
    "AdaptionPromptConfig": "ADAPTION_PROMPT",
    "MultitaskPromptTuningConfig": "MULTITASK_PROMPT_TUNING",
}
LANGCHAIN_MESSAGES = {
    "SystemMessage": "system",
    "HumanMessage": "user",
    "AIMessage": "assistant",
    "ToolMessage": "tool",
}
TUPLE_ROLES = {
    "system": "system",
    "human": "user",
    "user": "user",
    "ai": "assistant",
    "assistant": "assistant",
}
# Calls that read their arguments without changing a list or dict passed to them.
NON_MUTATING = frozenset(
    {
        "print",
        "len",
        "str",
        "repr",
        "format",
        "dumps",
        "dump",
        "pformat",
        "pprint",
        "info",
        "debug",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "log",
        "write",
        "deepcopy",
        "copy",
        "list",
        "tuple",
        "dict",
        "sorted",
        "enumerate",
        "zip",
        "isinstance",
        "type",
        "id",
        "hash",
        "create",
        "parse",
        "stream",
        "post",
        "request",
        "invoke",
        "ainvoke",
        "astream",
        "batch",
        "abatch",
        "apply_chat_template",
        "chat",
        "generate",
        "stream_infer",
        "infer",
        "encode",
        "tokenize",
        "append",
        "echo",
        "secho",
        "display",
        "Markdown",
    }
)
BUILTINS = frozenset(
    {"dict", "list", "tuple", "str", "int", "float", "bool", "len", "print", "open", "sorted"}
)
_SAME_OBJECT_METHODS = frozenset(
    {"to", "eval", "cuda", "cpu", "half", "float", "bfloat16", "train", "requires_grad_"}
)
_STR_METHODS = frozenset(
    {"strip", "rstrip", "lstrip", "lower", "upper", "replace", "removesuffix", "removeprefix"}
)
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_HTTP_ROUTES = (
    # (suffix, kind, api, part stripped for base_url)
    ("/chat/completions", "chat", "http", "/chat/completions"),
    ("/v1/completions", "completion", "http", "/completions"),
    ("/api/chat", "chat", "ollama", "/api/chat"),
    ("/api/generate", "completion", "ollama", "/api/generate"),
)


# -- internal values ---------------------------------------------------------------------------


class _More:
    """In a list: zero or more elements we could not follow."""

    def __repr__(self) -> str:
        return "..."


MORE = _More()
AMBIG = object()  # a variable assigned differently on different paths


@dataclass(eq=False)
class Sc:
    """A scalar (or unknown) value."""

    value: Any
    loc: Loc
    resolved: bool = True
    origin: str | None = None
    partial: str | None = None  # a string known in part, unknown parts as {expr}
    env_var: str | None = None  # the value is (the default of) this environment variable
    node: ast.AST | None = None  # for an unknown: the expression (origin computed on demand)

    @property
    def text(self) -> str | None:
        if self.resolved and isinstance(self.value, str):
            return self.value
        return self.partial


@dataclass(eq=False)
class DictV:
    entries: dict[str, Any]
    loc: Loc
    key_locs: dict[str, Loc] = field(default_factory=dict)
    complete: bool = True  # False: a **spread or a key we could not read
    depth: tuple[int, int] = (0, 0)  # (function, control depth) where it was created


@dataclass(eq=False)
class ListV:
    items: list[Any]
    loc: Loc
    depth: tuple[int, int] = (0, 0)  # (function, control depth) where it was created
    elem: Any = None  # a comprehension's element
    is_tuple: bool = False


@dataclass(eq=False)
class Ref:
    """An imported module or name (qualified)."""

    qual: str


@dataclass(eq=False)
class Member:
    """`base.a.b` whose meaning is decided when it is called."""

    base: Any
    attrs: tuple[str, ...]
    base_name: str | None
    loc: Loc


@dataclass(eq=False)
class Obj:
    kind: str
    loc: Loc
    cls: str = ""
    kwargs: dict[str, Any] = field(default_factory=dict)
    var: str | None = None  # the first variable it was bound to
    op: PeftOp | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class FuncV:
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    scope: Scope
    cls: ClassV | None = None
    state: int = 0  # 0 new, 1 running, 2 done
    returns: list[Any] = field(default_factory=list)
    generator: bool = False
    mutates: bool | None = None  # may change a list/dict argument (computed on first call)


@dataclass(eq=False)
class ClassV:
    node: ast.ClassDef
    scope: Scope  # the class body's scope
    methods: dict[str, FuncV] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)
    instance: Obj | None = None
    done: bool = False
    ctor_args: bool = False  # called with arguments somewhere


class Scope:
    __slots__ = ("vars", "parent", "module", "name")

    def __init__(self, parent: Scope | None, module: bool, name: str = ""):
        self.vars: dict[str, tuple[Any, int]] = {}
        self.parent = parent
        self.module = module
        self.name = name

    def find(self, name: str) -> tuple[tuple[Any, int] | None, Scope | None]:
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
    args: list[Any]
    arg_nodes: list[ast.expr]
    kwargs: dict[str, Any]
    kw_nodes: dict[str, ast.expr]  # value expressions (absent for keys from a **dict)
    kw_locs: dict[str, Loc]  # where each keyword name is written
    spreads: list[Any]  # **x that could not be expanded
    spread_texts: list[str]
    star: bool = False  # *args that could not be expanded

    def get(self, name: str | None, pos: int | None = None) -> Any:
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


# -- entry point -------------------------------------------------------------------------------


def parse(sf: SourceFile, facts: FileFacts) -> None:
    text = sf.text
    if not any(k in text for k in KEYWORDS):
        return
    try:
        with warnings.catch_warnings():
            # The scanned file's own problems (`1if x else 2`, invalid escapes) are not ours to
            # print: compile() would write a SyntaxWarning to stderr for each.
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=str(sf.path))
    except SyntaxError as e:
        line = e.lineno if isinstance(e.lineno, int) and e.lineno > 0 else 1
        col = e.offset if isinstance(e.offset, int) and e.offset > 0 else 1
        ver = f"{sys.version_info.major}.{sys.version_info.minor}"
        facts.diagnostics.append(
            Diagnostic(
                Loc(sf.path, line, col, line, col + 1),
                f"cannot parse Python (with the Python {ver} grammar): {e.msg}",
                anchor=e.msg or "syntax",
            )
        )
        return
    except (ValueError, MemoryError) as e:  # NUL bytes, ...
        facts.diagnostics.append(
            Diagnostic(Loc(sf.path, 1, 1, 1, 2), f"cannot parse Python: {e}", "python")
        )
        return
    n_launch, n_call, n_op = len(facts.launches), len(facts.clients), len(facts.peft_ops)
    analyzer = _Analyzer(sf, text, facts)
    try:
        analyzer.run(tree)
    except RecursionError:
        pass  # nested beyond what we follow: keep what was found
    # Functions are analysed after the module body; report in source order.
    for lst, start in ((facts.launches, n_launch), (facts.clients, n_call), (facts.peft_ops, n_op)):
        lst[start:] = sorted(lst[start:], key=lambda f: (f.loc.line or 0, f.loc.col or 0))


# -- the analyzer --------------------------------------------------------------------------------


class _Analyzer:
    def __init__(self, sf: SourceFile, text: str, facts: FileFacts):
        self.sf = sf
        self.path = sf.path
        self.fname = sf.path.name
        self.facts = facts
        self.lines = re.split(r"\r\n|\r|\n", text)
        self.depth = 0
        self.func_depth = 0
        self.funcs: list[FuncV] = []
        self.classes: list[ClassV] = []
        self.current: FuncV | None = None
        self.env_writes: dict[str, Sc] = {}  # os.environ[...] = ... in this module
        self.module_attrs: dict[str, Any] = {}  # openai.base_url = ... and the like
        self.python_vars: set[str] = set()
        self.changed_elsewhere: set[str] = set()
        self.global_names: set[str] = set()
        self.module_scope = Scope(None, True, "<module>")

    # -- locations ------------------------------------------------------------------------------
    def _col(self, line: int, byte_off: int) -> int:
        s = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if s.isascii():
            return byte_off + 1
        return len(s.encode("utf-8")[:byte_off].decode("utf-8", "replace")) + 1

    def loc(self, node: ast.AST) -> Loc:
        line = getattr(node, "lineno", None)
        if line is None:
            return Loc(self.path)
        col = self._col(line, node.col_offset)  # type: ignore[attr-defined]
        end_line = getattr(node, "end_lineno", None) or line
        end_off = getattr(node, "end_col_offset", None)
        end_col = self._col(end_line, end_off) if end_off is not None else col + 1
        return Loc(self.path, line, col, end_line, end_col)

    def name_loc(self, kw: ast.keyword) -> Loc:
        base = self.loc(kw)
        if base.line is None or base.col is None:
            return base
        return Loc(self.path, base.line, base.col, base.line, base.col + len(kw.arg or ""))

    @property
    def here(self) -> tuple[int, int]:
        """Where a list or dict is created: (function, control depth)."""
        return (self.frame, self.depth)

    def certain(self, x: ListV | DictV) -> bool:
        """A change to ``x`` here happens exactly once, after its creation: same function, not
        inside a branch or loop entered after it was created."""
        return x.depth[0] == self.frame and self.depth <= x.depth[1]

    @property
    def frame(self) -> int:
        return id(self.current) if self.current is not None else 0

    def has_text(self, node: ast.AST, word: str) -> bool:
        start = getattr(node, "lineno", 1)
        end = getattr(node, "end_lineno", None) or start
        return any(word in line for line in self.lines[start - 1 : end])

    def where(self, loc: Loc) -> str:
        return f"{self.fname}:{loc.line}"

    @staticmethod
    def src(node: ast.AST, limit: int = 80) -> str:
        try:
            s = ast.unparse(node)
        except Exception:  # noqa: BLE001 - unparse of odd trees
            return "<expression>"
        s = " ".join(s.split())
        return s if len(s) <= limit else s[: limit - 1] + "…"

    def unknown(self, node: ast.AST, origin: str | None = None) -> Sc:
        return Sc(None, self.loc(node), False, origin, node=None if origin else node)

    def origin_of(self, x: Sc) -> str | None:
        if x.origin is None and x.node is not None:
            x.origin = f"`{self.src(x.node)}`"
            x.node = None
        return x.origin

    # -- driver ---------------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> None:
        self.changed_elsewhere, self.global_names = _changed_names(tree)
        self.block(tree.body, self.module_scope)
        progress = True
        while progress:  # functions and methods never called from module level
            progress = False
            for c in list(self.classes):
                if not c.done:
                    c.done = True
                    self.finish_class(c)
                    progress = True
            for f in list(self.funcs):
                if f.state == 0:
                    self.run_func(f)
                    progress = True

    def finish_class(self, c: ClassV) -> None:
        init = c.methods.get("__init__")
        if init is not None:
            self.run_func(init)
        for f in c.methods.values():
            self.run_func(f)

    def run_func(self, f: FuncV) -> None:
        if f.state != 0:
            return
        f.state = 1
        node = f.node
        scope = Scope(f.scope, False, getattr(node, "name", "<lambda>"))
        args = node.args
        params = [*args.posonlyargs, *args.args]
        is_method = f.cls is not None and not any(
            isinstance(d, ast.Name) and d.id == "staticmethod"
            for d in getattr(node, "decorator_list", [])
        )
        for i, a in enumerate([*params, *args.kwonlyargs]):
            if i == 0 and is_method and f.cls is not None and a.arg in ("self", "cls"):
                scope.vars[a.arg] = (self.instance_of(f.cls), a.lineno)
                continue
            scope.vars[a.arg] = (
                Sc(None, self.loc(a), False, f"parameter `{a.arg}` of {scope.name}()"),
                a.lineno,
            )
        for a in (args.vararg, args.kwarg):
            if a is not None:
                scope.vars[a.arg] = (
                    Sc(None, self.loc(a), False, f"parameter `{a.arg}` of {scope.name}()"),
                    a.lineno,
                )
        saved = (self.depth, self.current, self.func_depth)
        self.depth += 1
        self.func_depth = self.depth
        self.current = f
        try:
            if isinstance(node, ast.Lambda):
                f.returns.append(self.ev(node.body, scope))
            else:
                f.generator = self.has_text(node, "yield") and _is_generator(node)
                self.block(node.body, scope)
        finally:
            self.depth, self.current, self.func_depth = saved
            f.state = 2

    def instance_of(self, c: ClassV) -> Obj:
        if c.instance is None:
            c.instance = Obj("instance", self.loc(c.node), cls=c.node.name, data={"class": c})
        return c.instance

    # -- statements -----------------------------------------------------------------------------
    def block(self, stmts: list[ast.stmt], scope: Scope) -> None:
        for st in stmts:
            self.stmt(st, scope)

    def stmt(self, st: ast.stmt, scope: Scope) -> None:
        if isinstance(st, ast.Assign):
            val = self.ev(st.value, scope)
            for t in st.targets:
                self.bind(t, val, scope, st.value)
        elif isinstance(st, ast.AnnAssign):
            if st.value is not None:
                self.bind(st.target, self.ev(st.value, scope), scope, st.value)
        elif isinstance(st, ast.AugAssign):
            self.aug_assign(st, scope)
        elif isinstance(st, ast.Expr):
            self.ev(st.value, scope)
        elif isinstance(st, ast.Return):
            if st.value is not None:
                v = self.ev(st.value, scope)
                if self.current is not None:
                    self.current.returns.append(v)
            elif self.current is not None:
                self.current.returns.append(Sc(None, self.loc(st), True))
        elif isinstance(st, ast.If):
            self.if_stmt(st, scope)
        elif isinstance(st, (ast.For, ast.AsyncFor, ast.While)):
            self.loop(st, scope)
        elif isinstance(st, (ast.With, ast.AsyncWith)):
            for item in st.items:
                v = self.ev(item.context_expr, scope)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, v, scope, item.context_expr)
            self.block(st.body, scope)
        elif isinstance(st, ast.Try) or type(st).__name__ == "TryStar":
            self.try_stmt(st, scope)
        elif isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # Decorators are not evaluated: `@app.post("/v1/chat/completions")` defines a route.
            cls = scope.vars.get("__class__", (None, 0))[0]
            if isinstance(cls, ClassV):
                f = FuncV(st, scope.parent or self.module_scope, cls=cls)
                cls.methods[st.name] = f
            else:
                f = FuncV(st, scope)
            self.funcs.append(f)
            scope.vars[st.name] = (f, st.lineno)
        elif isinstance(st, ast.ClassDef):
            cscope = Scope(scope, False, st.name)
            c = ClassV(st, cscope)
            cscope.vars["__class__"] = (c, st.lineno)
            self.classes.append(c)
            self.block(st.body, cscope)
            scope.vars[st.name] = (c, st.lineno)
        elif isinstance(st, ast.Import):
            for a in st.names:
                if a.asname:
                    scope.vars[a.asname] = (Ref(a.name), st.lineno)
                else:
                    top = a.name.split(".")[0]
                    scope.vars[top] = (Ref(top), st.lineno)
        elif isinstance(st, ast.ImportFrom):
            if st.level == 0 and st.module:
                for a in st.names:
                    if a.name != "*":
                        scope.vars[a.asname or a.name] = (Ref(f"{st.module}.{a.name}"), st.lineno)
            else:
                for a in st.names:
                    if a.name != "*":
                        scope.vars[a.asname or a.name] = (
                            Sc(None, self.loc(st), False, f"imported `{a.name}`"),
                            st.lineno,
                        )
        elif isinstance(st, ast.Delete):
            for t in st.targets:
                if isinstance(t, ast.Name):
                    scope.vars.pop(t.id, None)
                elif isinstance(t, ast.Subscript):
                    base = self.ev(t.value, scope)
                    if isinstance(base, ListV):
                        base.items = [MORE]
                    elif isinstance(base, DictV):
                        key = self.ev(t.slice, scope)
                        if isinstance(key, Sc) and key.resolved and isinstance(key.value, str):
                            base.entries.pop(key.value, None)
                        else:
                            base.complete = False
        elif isinstance(st, (ast.Global, ast.Nonlocal)):
            for n in st.names:
                hit, owner = scope.find(n)
                if owner is not None and owner is not scope:
                    owner.vars[n] = (AMBIG, st.lineno)
        elif type(st).__name__ == "Match":
            self.match_stmt(st, scope)
        else:
            for child in ast.iter_child_nodes(st):
                if isinstance(child, ast.expr):
                    self.ev(child, scope)

    def if_stmt(self, st: ast.If, scope: Scope) -> None:
        test = self.ev(st.test, scope)
        truth = self.truth(test)
        if truth is True:
            self.block(st.body, scope)
            return
        if truth is False:
            self.block(st.orelse, scope)
            return
        self.branches([st.body, st.orelse], scope)

    def branches(self, bodies: list[list[ast.stmt]], scope: Scope) -> None:
        before = dict(scope.vars)
        results = []
        self.depth += 1
        try:
            for body in bodies:
                scope.vars = dict(before)
                self.block(body, scope)
                results.append(scope.vars)
        finally:
            self.depth -= 1
        scope.vars = _merge(results)

    def loop(self, st: ast.For | ast.AsyncFor | ast.While, scope: Scope) -> None:
        if isinstance(st, ast.While):
            self.ev(st.test, scope)
        else:
            self.ev(st.iter, scope)
        assigned = _assigned_names(st.body)
        before = dict(scope.vars)
        self.depth += 1
        try:
            for n in assigned:
                if n in scope.vars:
                    scope.vars[n] = (AMBIG, scope.vars[n][1])
            if not isinstance(st, ast.While):
                self.bind(
                    st.target,
                    Sc(None, self.loc(st.target), False, f"loop variable `{self.src(st.target)}`"),
                    scope,
                    None,
                )
            self.block(st.body, scope)
            after = scope.vars
        finally:
            self.depth -= 1
        scope.vars = _merge([before, after])
        if st.orelse:
            self.block(st.orelse, scope)

    def try_stmt(self, st: Any, scope: Scope) -> None:
        self.block(st.body, scope)
        if st.handlers:
            bodies = [[], *[h.body for h in st.handlers]]
            self.branches(bodies, scope)
        self.block(st.orelse, scope)
        self.block(st.finalbody, scope)

    def match_stmt(self, st: Any, scope: Scope) -> None:
        self.ev(st.subject, scope)
        self.branches([[], *[c.body for c in st.cases]], scope)

    def aug_assign(self, st: ast.AugAssign, scope: Scope) -> None:
        t = st.target
        rhs = self.ev(st.value, scope)
        if isinstance(t, ast.Name):
            cur = self.lookup(t.id, t, scope)
            if isinstance(cur, ListV) and isinstance(st.op, ast.Add):
                self.list_extend(cur, rhs)
                return
            fake = ast.BinOp(left=t, op=st.op, right=st.value)
            ast.copy_location(fake, st)
            fake.end_lineno, fake.end_col_offset = st.end_lineno, st.end_col_offset
            self.bind(t, self.binop(fake, cur, rhs), scope, None)
        elif isinstance(t, ast.Subscript):
            base = self.ev(t.value, scope)
            if isinstance(base, DictV):
                key = self.ev(t.slice, scope)
                if isinstance(key, Sc) and key.resolved and isinstance(key.value, str):
                    base.entries[key.value] = self.unknown(st)
                else:
                    base.complete = False
            elif isinstance(base, ListV):
                self.list_unknown_change(base)
        elif isinstance(t, ast.Attribute):
            cur = self.ev(t, scope)
            if isinstance(cur, ListV) and isinstance(st.op, ast.Add):
                self.list_extend(cur, rhs)
            else:
                self.bind(
                    t,
                    self.unknown(st, f"`{self.src(t)}` changed with `{self.src(st)}`"),
                    scope,
                    None,
                )

    # -- binding --------------------------------------------------------------------------------
    def bind(self, target: ast.expr, val: Any, scope: Scope, value_node: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            scope.vars[target.id] = (val, target.lineno)
            self.on_bind(val, target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            items = val.items if isinstance(val, ListV) and MORE not in val.items else None
            star = any(isinstance(e, ast.Starred) for e in elts)
            for i, e in enumerate(elts):
                if isinstance(e, ast.Starred):
                    self.bind(e.value, ListV([MORE], self.loc(e), self.here), scope, None)
                elif items is not None and not star and len(items) == len(elts):
                    self.bind(e, items[i], scope, None)
                else:
                    self.bind(
                        e, self.unknown(e, f"unpacked from `{self.src(target)}`"), scope, None
                    )
        elif isinstance(target, ast.Attribute):
            base = self.ev(target.value, scope)
            name = _dotted(target)
            if isinstance(base, Ref):
                self.module_attrs[f"{base.qual}.{target.attr}"] = val
            elif isinstance(base, Obj) and base.kind == "instance":
                c: ClassV = base.data["class"]
                prev = c.attrs.get(target.attr)
                in_init = (
                    self.current is not None
                    and getattr(self.current.node, "name", "") == "__init__"
                    and self.depth == self.func_depth
                )
                if prev is None or prev is val or _same(prev, val) or in_init:
                    c.attrs[target.attr] = val
                else:
                    c.attrs[target.attr] = AMBIG
                if name:
                    self.on_bind(val, name)
        elif isinstance(target, ast.Subscript):
            base = self.ev(target.value, scope)
            key = self.ev(target.slice, scope)
            if isinstance(base, Ref) and base.qual == "os.environ":
                if isinstance(key, Sc) and key.resolved and isinstance(key.value, str):
                    self.env_write(key.value, val, target, "os.environ[...] =")
            elif isinstance(base, DictV):
                if isinstance(key, Sc) and key.resolved and isinstance(key.value, str):
                    if not self.certain(base):
                        val = Sc(
                            None, self.loc(target), False, f"`{self.src(target)}` set on some paths"
                        )
                    base.entries[key.value] = val
                    base.key_locs[key.value] = self.loc(target)
                else:
                    base.complete = False
            elif isinstance(base, ListV):
                idx = key.value if isinstance(key, Sc) and key.resolved else None
                if (
                    isinstance(idx, int)
                    and self.certain(base)
                    and 0 <= idx < len(base.items)
                    and MORE not in base.items[: idx + 1]
                ):
                    base.items[idx] = val
                else:
                    self.list_unknown_change(base)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, val, scope, value_node)

    def on_bind(self, val: Any, name: str) -> None:
        if isinstance(val, Obj):
            if val.var is None:
                val.var = name
            if val.op is not None and val.op.var is None:
                val.op.var = name
            model = val.data.get("model") if val.kind == "trainer" else None
            if isinstance(model, Obj) and model.op is not None and model.op.var is None:
                model.op.var = f"{name}.model"
            launch = val.data.get("launch")
            if launch is not None and "python_var" not in launch.extra:
                pv = name
                if pv in self.python_vars:
                    pv = f"{name}@{launch.loc.line}"
                self.python_vars.add(pv)
                launch.extra["python_var"] = pv

    def env_write(self, name: str, val: Any, node: ast.AST, how: str) -> None:
        if isinstance(val, Sc):
            sc = Sc(
                val.value,
                val.loc,
                val.resolved,
                f"os.environ[{name!r}] set at {self.fname}:{getattr(node, 'lineno', '?')}",
                val.partial,
            )
        else:
            sc = Sc(None, self.loc(node), False, f"os.environ[{name!r}] ({how})")
        self.env_writes[name] = sc

    # -- name lookup ----------------------------------------------------------------------------
    def lookup(self, name: str, node: ast.expr, scope: Scope) -> Any:
        hit, owner = scope.find(name)
        if hit is None or owner is None:
            if name in BUILTINS:
                return Ref(f"builtins.{name}")
            if name == "__name__":
                return Sc(None, self.loc(node), False, "`__name__`")
            return Sc(None, self.loc(node), False, f"`{name}` (not defined in this module)")
        val, line = hit
        if val is AMBIG:
            return Sc(
                None, self.loc(node), False, f"`{name}` is assigned differently on some paths"
            )
        if owner is not scope and self.current is not None:
            val = self.shared(val, name, node)
            if val is AMBIG:
                return Sc(None, self.loc(node), False, f"`{name}` is reassigned with `global`")
        if isinstance(val, Sc) and (val.resolved or val.partial is not None or val.env_var):
            kind = "constant" if owner.module else "variable"
            where = f"{kind} {name} at {self.fname}:{line}"
            origin = f"{val.origin} ({where})" if val.origin else where
            return Sc(val.value, val.loc, val.resolved, origin, val.partial, val.env_var)
        return val

    # -- expressions ----------------------------------------------------------------------------
    def ev(self, node: ast.expr, scope: Scope) -> Any:
        m = getattr(self, "ev_" + type(node).__name__, None)
        if m is not None:
            return m(node, scope)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.ev(child, scope)
        return self.unknown(node)

    def ev_Constant(self, node: ast.Constant, scope: Scope) -> Any:
        v = node.value
        if isinstance(v, (str, int, float, bool)) or v is None:
            return Sc(v, self.loc(node))
        return self.unknown(node)

    def ev_Name(self, node: ast.Name, scope: Scope) -> Any:
        return self.lookup(node.id, node, scope)

    def ev_Await(self, node: ast.Await, scope: Scope) -> Any:
        return self.ev(node.value, scope)

    def ev_NamedExpr(self, node: ast.NamedExpr, scope: Scope) -> Any:
        v = self.ev(node.value, scope)
        self.bind(node.target, v, scope, node.value)
        return v

    def ev_Starred(self, node: ast.Starred, scope: Scope) -> Any:
        return self.ev(node.value, scope)

    def ev_Dict(self, node: ast.Dict, scope: Scope) -> Any:
        d = DictV({}, self.loc(node), depth=self.here)
        for k, v in zip(node.keys, node.values, strict=True):
            val = self.ev(v, scope)
            if k is None:
                if isinstance(val, DictV):
                    d.entries.update(val.entries)
                    d.key_locs.update(val.key_locs)
                    d.complete = d.complete and val.complete
                else:
                    d.complete = False
                continue
            key = self.ev(k, scope)
            if isinstance(key, Sc) and key.resolved and isinstance(key.value, str):
                d.entries[key.value] = val
                d.key_locs[key.value] = self.loc(k)
            else:
                d.complete = False
        return d

    def ev_List(self, node: ast.List | ast.Tuple, scope: Scope) -> Any:
        items: list[Any] = []
        for e in node.elts:
            if isinstance(e, ast.Starred):
                v = self.ev(e.value, scope)
                if isinstance(v, ListV):
                    items.extend(v.items)
                else:
                    items.append(MORE)
            else:
                items.append(self.ev(e, scope))
        return ListV(
            _squash(items), self.loc(node), self.here, is_tuple=isinstance(node, ast.Tuple)
        )

    ev_Tuple = ev_List

    def ev_Set(self, node: ast.Set, scope: Scope) -> Any:
        for e in node.elts:
            self.ev(e, scope)
        return self.unknown(node)

    def comprehension(self, node: Any, scope: Scope) -> Scope:
        inner = Scope(scope, False, scope.name)
        for gen in node.generators:
            self.ev(gen.iter, inner)
            self.bind(
                gen.target,
                Sc(None, self.loc(gen.target), False, f"loop variable `{self.src(gen.target)}`"),
                inner,
                None,
            )
            for cond in gen.ifs:
                self.ev(cond, inner)
        return inner

    def ev_ListComp(self, node: Any, scope: Scope) -> Any:
        inner = self.comprehension(node, scope)
        self.depth += 1
        try:
            elem = self.ev(node.elt, inner)
        finally:
            self.depth -= 1
        return ListV([MORE], self.loc(node), self.here, elem=elem)

    ev_GeneratorExp = ev_ListComp
    ev_SetComp = ev_ListComp

    def ev_DictComp(self, node: ast.DictComp, scope: Scope) -> Any:
        inner = self.comprehension(node, scope)
        self.ev(node.key, inner)
        self.ev(node.value, inner)
        return DictV({}, self.loc(node), complete=False, depth=self.here)

    def ev_Lambda(self, node: ast.Lambda, scope: Scope) -> Any:
        f = FuncV(node, scope)
        self.funcs.append(f)
        return f

    def ev_IfExp(self, node: ast.IfExp, scope: Scope) -> Any:
        truth = self.truth(self.ev(node.test, scope))
        if truth is True:
            return self.ev(node.body, scope)
        if truth is False:
            return self.ev(node.orelse, scope)
        a = self.ev(node.body, scope)
        b = self.ev(node.orelse, scope)
        if a is b or _same(a, b):
            return a
        return self.unknown(node, f"`{self.src(node)}` (conditional)")

    def ev_BoolOp(self, node: ast.BoolOp, scope: Scope) -> Any:
        vals = [self.ev(v, scope) for v in node.values]
        cur = vals[0]
        for nxt in vals[1:]:
            t = self.truth(cur)
            if isinstance(node.op, ast.Or):
                if t is True:
                    return cur
                if t is False:
                    cur = nxt
                    continue
                if isinstance(cur, Sc) and cur.env_var and isinstance(nxt, Sc) and nxt.resolved:
                    cur = Sc(
                        nxt.value,
                        nxt.loc,
                        True,
                        f"default when environment variable {cur.env_var} is unset or empty",
                        env_var=cur.env_var,
                    )
                    continue
                return self.unknown(node)
            if t is False:
                return cur
            if t is True:
                cur = nxt
                continue
            return self.unknown(node)
        return cur

    def ev_UnaryOp(self, node: ast.UnaryOp, scope: Scope) -> Any:
        v = self.ev(node.operand, scope)
        if isinstance(node.op, ast.Not):
            t = self.truth(v)
            return Sc(not t, self.loc(node)) if t is not None else self.unknown(node)
        if isinstance(v, Sc) and v.resolved and isinstance(v.value, (int, float)):
            if isinstance(node.op, ast.USub):
                return Sc(-v.value, self.loc(node), True, v.origin)
            if isinstance(node.op, ast.UAdd):
                return Sc(+v.value, self.loc(node), True, v.origin)
        return self.unknown(node)

    def ev_Compare(self, node: ast.Compare, scope: Scope) -> Any:
        left = self.ev(node.left, scope)
        rights = [self.ev(c, scope) for c in node.comparators]
        if len(rights) != 1 or not isinstance(left, Sc) or not isinstance(rights[0], Sc):
            return self.unknown(node)
        r = rights[0]
        if not (left.resolved and r.resolved):
            return self.unknown(node)
        op = node.ops[0]
        a, b = left.value, r.value
        try:
            if isinstance(op, ast.Eq):
                res = a == b
            elif isinstance(op, ast.NotEq):
                res = a != b
            elif isinstance(op, ast.Is):
                res = a is None and b is None or (a is b and isinstance(a, bool))
            elif isinstance(op, ast.IsNot):
                res = not (a is None and b is None)
            elif isinstance(op, ast.In) and isinstance(b, str) and isinstance(a, str):
                res = a in b
            else:
                return self.unknown(node)
        except Exception:  # noqa: BLE001
            return self.unknown(node)
        return Sc(bool(res), self.loc(node))

    def ev_JoinedStr(self, node: ast.JoinedStr, scope: Scope) -> Any:
        parts: list[str] = []
        resolved = True
        chat: Obj | None = None
        origins: list[str] = []
        unresolved: list[str] = []
        for v in node.values:
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                parts.append(v.value)
                continue
            if not isinstance(v, ast.FormattedValue):
                resolved = False
                parts.append("{…}")
                continue
            x = self.ev(v.value, scope)
            if isinstance(x, Obj) and x.kind == "chat-text":
                chat = x
            spec = ""
            if v.format_spec is not None:
                sx = self.ev(v.format_spec, scope)
                if isinstance(sx, Sc) and sx.resolved and isinstance(sx.value, str):
                    spec = sx.value
                else:
                    x = None
            if isinstance(x, Sc) and x.resolved and x.value is not None:
                try:
                    val = x.value
                    if v.conversion == ord("r"):
                        val = repr(val)
                    elif v.conversion == ord("a"):
                        val = ascii(val)
                    parts.append(format(val, spec))
                    if x.origin:
                        origins.append(x.origin)
                    continue
                except (ValueError, TypeError):
                    pass
            resolved = False
            if isinstance(x, Sc) and self.origin_of(x):
                unresolved.append(x.origin)  # type: ignore[arg-type]
            inner = x.partial if isinstance(x, Sc) and x.partial is not None else None
            parts.append(inner if inner is not None else "{" + self.src(v.value, 40) + "}")
        text = "".join(parts)
        if chat is not None:
            return Obj(
                "chat-text",
                self.loc(node),
                data={**chat.data, "markup": _has_markup(text)},
            )
        origin = "; ".join(origins) if origins else None
        if resolved:
            return Sc(text, self.loc(node), True, origin)
        why = f" ({'; '.join(unresolved)})" if unresolved else ""
        return Sc(
            None,
            self.loc(node),
            False,
            f"f-string with unresolved parts: {text!r}{why}",
            partial=text,
        )

    def ev_BinOp(self, node: ast.BinOp, scope: Scope) -> Any:
        left = self.ev(node.left, scope)
        right = self.ev(node.right, scope)
        return self.binop(node, left, right)

    def binop(self, node: ast.BinOp, left: Any, right: Any) -> Any:
        op = node.op
        loc = self.loc(node)
        if isinstance(op, ast.Add):
            if isinstance(left, ListV) and isinstance(right, ListV):
                return ListV(_squash(left.items + right.items), loc, self.here)
            if isinstance(left, ListV):
                return ListV(_squash(left.items + [MORE]), loc, self.here)
            if isinstance(right, ListV):
                return ListV(_squash([MORE] + right.items), loc, self.here)
            chat = next(
                (x for x in (left, right) if isinstance(x, Obj) and x.kind == "chat-text"), None
            )
            if chat is not None:
                return Obj("chat-text", loc, data=dict(chat.data))
            lt, rt = _str_part(left), _str_part(right)
            if lt is not None or rt is not None:
                if (
                    isinstance(left, Sc)
                    and isinstance(right, Sc)
                    and left.resolved
                    and right.resolved
                    and isinstance(left.value, str)
                    and isinstance(right.value, str)
                ):
                    origins = [o for o in (left.origin, right.origin) if o]
                    return Sc(left.value + right.value, loc, True, "; ".join(origins) or None)
                text = (lt if lt is not None else "{…}") + (rt if rt is not None else "{…}")
                why = [
                    self.origin_of(x)
                    for x in (left, right)
                    if isinstance(x, Sc) and not x.resolved and self.origin_of(x)
                ]
                note = f" ({'; '.join(why)})" if why else ""
                return Sc(None, loc, False, f"string with unresolved parts: {text!r}{note}", text)
        if isinstance(left, Sc) and isinstance(right, Sc) and left.resolved and right.resolved:
            a, b = left.value, right.value
            try:
                if isinstance(a, str) and isinstance(op, ast.Mod):
                    return Sc(a % b, loc, True, left.origin)
                if isinstance(a, str) and isinstance(b, str) and isinstance(op, ast.Add):
                    return Sc(a + b, loc)
                if _num(a) and _num(b):
                    if isinstance(op, ast.Add):
                        return Sc(a + b, loc)
                    if isinstance(op, ast.Sub):
                        return Sc(a - b, loc)
                    if isinstance(op, ast.Mult):
                        return Sc(a * b, loc)
                    if isinstance(op, ast.Div):
                        return Sc(a / b, loc)
                    if isinstance(op, ast.FloorDiv):
                        return Sc(a // b, loc)
            except Exception:  # noqa: BLE001 - division by zero, bad % format ...
                pass
        if isinstance(op, ast.Mod) and isinstance(left, Sc) and isinstance(left.value, str):
            return Sc(None, loc, False, "%-formatted string", left.value)
        return self.unknown(node)

    def ev_Subscript(self, node: ast.Subscript, scope: Scope) -> Any:
        base = self.ev(node.value, scope)
        key = self.ev(node.slice, scope)
        if isinstance(base, Ref):
            if base.qual == "os.environ":
                return self.env_read(key, None, node)
            if base.qual == "sys.argv":
                return self.unknown(node, f"command-line argument `{self.src(node)}`")
            return self.unknown(node)
        kv = key.value if isinstance(key, Sc) and key.resolved else None
        if isinstance(base, DictV) and isinstance(kv, str):
            if kv in base.entries:
                return base.entries[kv]
            return self.unknown(node)
        if isinstance(base, ListV):
            if isinstance(node.slice, ast.Slice):
                if node.slice.lower is None and node.slice.upper is None:
                    return ListV(list(base.items), self.loc(node), self.here, base.elem)
                return ListV([MORE], self.loc(node), self.here, base.elem)
            if isinstance(kv, int) and not isinstance(kv, bool):
                items = base.items
                if 0 <= kv < len(items) and MORE not in items[: kv + 1]:
                    return items[kv]
                if kv < 0 and -kv <= len(items) and MORE not in items[kv:]:
                    return items[kv]
            if base.elem is not None and not isinstance(base.elem, Sc):
                return base.elem
            return self.unknown(node)
        if isinstance(base, Obj) and base.kind in ("tokens", "chat-text"):
            return base
        return self.unknown(node)

    def ev_Attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        base = self.ev(node.value, scope)
        attr = node.attr
        if isinstance(base, Ref):
            return Ref(f"{base.qual}.{attr}")
        if isinstance(base, Member):
            return Member(base.base, base.attrs + (attr,), base.base_name, self.loc(node))
        if isinstance(base, Obj):
            got = self.obj_attr(base, attr, node)
            if got is not None:
                return got
        if isinstance(base, ClassV):
            got = self.class_var(base, attr)
            if got is not None:
                return got
        return Member(base, (attr,), _dotted(node.value), self.loc(node))

    def shared(self, val: Any, name: str, node: ast.AST) -> Any:
        """A value another function can also change (a module global, an instance attribute):
        if some code in the module changes `name` other than by appending, what this function
        sees is not known."""
        if name in self.global_names and isinstance(val, Sc):
            return AMBIG
        if name not in self.changed_elsewhere:
            return val
        if isinstance(val, ListV) and val.depth[0] != self.frame:
            val.items = _squash([MORE, *val.items, MORE])
        elif isinstance(val, DictV) and val.depth[0] != self.frame:
            for k in val.entries:
                val.entries[k] = Sc(None, val.loc, False, f"`{name}[{k!r}]` is changed elsewhere")
            val.complete = False
        return val

    def class_var(self, c: ClassV, attr: str) -> Any:
        hit = c.scope.vars.get(attr)
        if hit is None or hit[0] is AMBIG or isinstance(hit[0], (FuncV, ClassV)):
            return None
        v = hit[0]
        if isinstance(v, Sc) and v.resolved:
            where = f"class attribute {c.node.name}.{attr} at {self.fname}:{hit[1]}"
            return Sc(v.value, v.loc, True, f"{v.origin} ({where})" if v.origin else where)
        return v

    def obj_attr(self, obj: Obj, attr: str, node: ast.Attribute) -> Any:
        kind = obj.kind
        if kind == "instance":
            c: ClassV = obj.data["class"]
            if attr in c.attrs:
                v = c.attrs[attr]
                if v is AMBIG:
                    return self.unknown(node, f"`self.{attr}` is assigned differently")
                return self.shared(v, attr, node)
            if attr in c.methods:
                return c.methods[attr]
            if "__init__" in c.methods or not c.ctor_args:
                # a dataclass / settings class called with arguments may override its defaults
                return self.class_var(c, attr)
            return None
        if kind == "argparse-ns":
            opts = obj.data["parser"].data["options"]
            if attr in opts:
                return opts[attr]
            return self.unknown(node, f"command-line option `{attr}`")
        if kind == "trainer" and attr == "model":
            return obj.data.get("model") or None
        if kind in ("tokens", "chat-text") and attr in ("input_ids", "attention_mask"):
            return obj
        if kind in ("hf-model", "peft-model") and attr == "base_model":
            return obj.data.get("base") or None
        return None

    def ev_Call(self, node: ast.Call, scope: Scope) -> Any:
        callee = self.ev(node.func, scope)
        ca = self.call_args(node, scope)
        result = self.dispatch(callee, ca, scope)
        user_fn = _user_function(callee)
        if result is None or user_fn is not None:
            self.unknown_call_effects(callee, ca, user_fn)
        return result if result is not None else self.unknown(node)

    def call_args(self, node: ast.Call, scope: Scope) -> CallArgs:
        ca = CallArgs(node, [], [], {}, {}, {}, [], [])
        for a in node.args:
            if isinstance(a, ast.Starred):
                v = self.ev(a.value, scope)
                if isinstance(v, ListV) and MORE not in v.items and not ca.star:
                    ca.args.extend(v.items)
                    ca.arg_nodes.extend([a] * len(v.items))
                else:
                    ca.star = True
                continue
            v = self.ev(a, scope)
            if not ca.star:  # positions after an unknown *args are unknown
                ca.args.append(v)
                ca.arg_nodes.append(a)
        for kw in node.keywords:
            v = self.ev(kw.value, scope)
            if kw.arg is None:
                if isinstance(v, DictV):
                    for k, ev in v.entries.items():
                        ca.kwargs[k] = ev
                        ca.kw_locs[k] = v.key_locs.get(k, self.loc(kw))
                    if not v.complete:
                        ca.spreads.append(v)
                        ca.spread_texts.append(self.src(kw.value))
                else:
                    ca.spreads.append(v)
                    ca.spread_texts.append(self.src(kw.value))
                continue
            ca.kwargs[kw.arg] = v
            ca.kw_nodes[kw.arg] = kw.value
            ca.kw_locs[kw.arg] = self.name_loc(kw)
        return ca

    def unknown_call_effects(self, callee: Any, ca: CallArgs, fn: FuncV | None) -> None:
        """A call we do not know may change the lists and dicts passed to it."""
        if fn is not None:
            if fn.mutates is None:
                fn.mutates = _may_mutate(fn.node)
            if not fn.mutates:
                return
        else:
            name = None
            if isinstance(callee, Ref):
                name = callee.qual.rsplit(".", 1)[-1]
            elif isinstance(callee, Member):
                name = callee.attrs[-1]
            if name in NON_MUTATING:
                return
        for v in [*ca.args, *ca.kwargs.values()]:
            if isinstance(v, ListV):
                v.items = _squash([MORE, *v.items, MORE])
            elif isinstance(v, DictV):
                v.complete = False

    # -- truthiness ---------------------------------------------------------------------------
    @staticmethod
    def truth(x: Any) -> bool | None:
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

    # -- list mutation ------------------------------------------------------------------------
    def list_extend(self, lst: ListV, add: Any) -> None:
        new = add.items if isinstance(add, ListV) else [MORE]
        if not self.certain(lst):
            new = [MORE]
        lst.items = _squash(lst.items + list(new))

    def list_unknown_change(self, lst: ListV) -> None:
        lst.items = [MORE]

    def list_method(self, lst: ListV, meth: str, ca: CallArgs, node: ast.Call) -> Any:
        certain = self.certain(lst)
        if meth == "append" and ca.args:
            lst.items = _squash(lst.items + ([ca.args[0]] if certain else [MORE]))
            return Sc(None, self.loc(node))
        if meth == "extend" and ca.args:
            self.list_extend(lst, ca.args[0])
            return Sc(None, self.loc(node))
        if meth == "insert" and len(ca.args) >= 2:
            idx = ca.args[0]
            i = idx.value if isinstance(idx, Sc) and idx.resolved else None
            if not isinstance(i, int) or isinstance(i, bool):
                lst.items = [MORE]
            elif i == 0:
                lst.items = _squash([ca.args[1] if certain else MORE, *lst.items])
            elif certain and 0 < i <= len(lst.items) and MORE not in lst.items[:i]:
                lst.items.insert(i, ca.args[1])
            else:
                head = lst.items[:1] if lst.items and lst.items[0] is not MORE and i > 0 else []
                lst.items = _squash([*head, MORE])
            return Sc(None, self.loc(node))
        if meth in ("copy",):
            return ListV(list(lst.items), self.loc(node), self.here, lst.elem)
        if meth in ("index", "count"):
            return self.unknown(node)
        if meth == "pop" and certain and not ca.args and lst.items and lst.items[-1] is not MORE:
            return lst.items.pop()
        if meth == "clear" and certain:
            lst.items = []
            return Sc(None, self.loc(node))
        lst.items = [MORE]
        return self.unknown(node)

    def dict_method(self, d: DictV, meth: str, ca: CallArgs, node: ast.Call) -> Any:
        if meth == "get" and ca.args:
            key = ca.args[0]
            if isinstance(key, Sc) and key.resolved and isinstance(key.value, str):
                if key.value in d.entries:
                    return d.entries[key.value]
                if d.complete and len(ca.args) > 1:
                    return ca.args[1]
            return self.unknown(node)
        if meth == "copy":
            return DictV(dict(d.entries), self.loc(node), dict(d.key_locs), d.complete, self.here)
        if meth == "update":
            certain = self.certain(d)
            src = ca.args[0] if ca.args else None
            items: dict[str, Any] = {}
            if isinstance(src, DictV):
                items.update(src.entries)
                d.complete = d.complete and src.complete
            elif src is not None:
                d.complete = False
            items.update(ca.kwargs)
            for k, v in items.items():
                d.entries[k] = (
                    v if certain else Sc(None, self.loc(node), False, "set on some paths")
                )
                d.key_locs[k] = ca.kw_locs.get(k, self.loc(node))
            return Sc(None, self.loc(node))
        if meth == "setdefault" and ca.args:
            key = ca.args[0]
            if isinstance(key, Sc) and key.resolved and isinstance(key.value, str):
                if key.value not in d.entries and len(ca.args) > 1 and d.complete:
                    d.entries[key.value] = ca.args[1]
                return d.entries.get(key.value) or self.unknown(node)
        if meth in ("pop", "popitem", "clear"):
            d.complete = False
            if meth == "pop" and ca.args and isinstance(ca.args[0], Sc):
                k = ca.args[0].value
                if isinstance(k, str):
                    return d.entries.pop(k, None) or self.unknown(node)
            if meth == "clear":
                d.entries.clear()
            return self.unknown(node)
        if meth in ("items", "keys", "values"):
            return self.unknown(node)
        d.complete = False
        return self.unknown(node)

    # -- calls ----------------------------------------------------------------------------------
    def dispatch(self, callee: Any, ca: CallArgs, scope: Scope) -> Any:
        if isinstance(callee, Ref):
            return self.call_ref(callee.qual, ca)
        if isinstance(callee, Member):
            return self.call_member(callee, ca)
        if isinstance(callee, Obj):
            return self.call_obj(callee, ca)
        if isinstance(callee, FuncV):
            return self.call_func(callee, ca)
        if isinstance(callee, ClassV):
            if ca.args or ca.kwargs or ca.spreads or ca.star:
                callee.ctor_args = True
            inst = self.instance_of(callee)
            init = callee.methods.get("__init__")
            if init is not None:
                self.run_func(init)
            return inst
        return None

    def call_func(self, f: FuncV, ca: CallArgs) -> Any:
        if f.state == 0:
            self.run_func(f)
        if f.state != 2 or f.generator or not f.returns:
            return None
        vals = f.returns
        first = vals[0]
        if all(v is first or _same(v, first) for v in vals[1:]):
            return _copy(first, self.loc(ca.node), self.here)
        return None

    # Refs: imported names ------------------------------------------------------------------------
    def call_ref(self, qual: str, ca: CallArgs) -> Any:
        node = ca.node
        lib = qual.split(".", 1)[0]
        last = qual.rsplit(".", 1)[-1]
        if qual in ("os.getenv", "os.environ.get"):
            return self.env_read(ca.get(None, 0), ca.get("default", 1), node)
        if qual == "os.environ.setdefault":
            key = ca.get(None, 0)
            if isinstance(key, Sc) and key.resolved and isinstance(key.value, str):
                if key.value not in self.env_writes:
                    val = ca.get(None, 1)
                    self.env_write(key.value, val, node, "os.environ.setdefault")
                return self.env_writes[key.value]
            return None
        if qual == "os.environ.update":
            src = ca.get(None, 0)
            items = dict(src.entries) if isinstance(src, DictV) else {}
            items.update(ca.kwargs)
            for k, v in items.items():
                self.env_write(k, v, node, "os.environ.update")
            return Sc(None, self.loc(node))
        if qual in ("os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePath"):
            return self.path_join(ca)
        if qual in ("json.dumps",):
            return Obj("json-text", self.loc(node), data={"body": ca.get(None, 0)})
        if qual in ("copy.deepcopy", "copy.copy", "builtins.list", "builtins.tuple"):
            src = ca.get(None, 0)
            if isinstance(src, (ListV, DictV)):
                return _copy(src, self.loc(node), self.here)
            if last in ("list", "tuple") and src is None:
                return ListV([], self.loc(node), self.here)
            return None
        if qual == "builtins.dict":
            d = DictV({}, self.loc(node), depth=self.here)
            src = ca.get(None, 0)
            if isinstance(src, DictV):
                d.entries.update(src.entries)
                d.key_locs.update(src.key_locs)
                d.complete = src.complete
            elif src is not None:
                d.complete = False
            d.entries.update(ca.kwargs)
            d.key_locs.update(ca.kw_locs)
            if ca.spreads:
                d.complete = False
            return d
        if qual == "builtins.str":
            src = ca.get(None, 0)
            if isinstance(src, Sc):
                if src.resolved and src.value is not None:
                    return Sc(str(src.value), src.loc, True, src.origin)
                return src
            if isinstance(src, Obj) and src.kind == "chat-text":
                return src
            return None
        if qual == "argparse.ArgumentParser":
            return Obj("argparser", self.loc(node), qual, data={"options": {}})
        if lib == "openai":
            return self.openai_ref(qual, ca)
        if lib == "vllm":
            return self.vllm_ref(last, ca)
        if lib in ("requests", "httpx", "aiohttp"):
            return self.http_ref(lib, qual, last, ca)
        if lib == "ollama":
            return self.ollama_ref(last, ca)
        if lib == "lmdeploy":
            return self.lmdeploy_ref(last, ca)
        if lib in LANGCHAIN_LIBS:
            return self.langchain_ref(last, ca)
        if lib in HF_LIBS or lib in ("peft", "unsloth", "trl", "torch"):
            return self.hf_ref(lib, qual, last, ca)
        return None

    def env_read(self, key: Any, default: Any, node: ast.AST) -> Any:
        if not (isinstance(key, Sc) and key.resolved and isinstance(key.value, str)):
            return self.unknown(node, "an environment variable")
        name = key.value
        if name in self.env_writes:
            w = self.env_writes[name]
            return Sc(w.value, w.loc, w.resolved, w.origin, w.partial, env_var=name)
        if isinstance(default, Sc) and (default.resolved or default.partial is not None):
            return Sc(
                default.value,
                default.loc,
                default.resolved,
                f"default of environment variable {name} (the environment may override it)",
                default.partial,
                env_var=name,
            )
        if default is not None and not isinstance(default, Sc):
            return self.unknown(node, f"environment variable {name}")
        return Sc(None, self.loc(node), False, f"environment variable {name}", env_var=name)

    def path_join(self, ca: CallArgs) -> Any:
        parts = []
        for a in ca.args:
            if not (isinstance(a, Sc) and a.resolved and isinstance(a.value, str)):
                return None
            parts.append(a.value)
        if not parts:
            return None
        out = parts[0]
        for p in parts[1:]:
            out = p if p.startswith("/") else (out.rstrip("/") + "/" + p if out else p)
        return Sc(out, self.loc(ca.node), True, "joined path")

    # Members: methods ----------------------------------------------------------------------------
    def call_member(self, m: Member, ca: CallArgs) -> Any:
        base, attrs = m.base, m.attrs
        meth = attrs[-1]
        if isinstance(base, ListV) and len(attrs) == 1:
            return self.list_method(base, meth, ca, ca.node)
        if isinstance(base, DictV) and len(attrs) == 1:
            return self.dict_method(base, meth, ca, ca.node)
        if isinstance(base, Sc) and len(attrs) == 1 and base.resolved:
            return self.str_method(base, meth, ca)
        if isinstance(base, Obj):
            return self.obj_method(base, attrs, ca, m)
        # An object we cannot see (a parameter, an attribute of an unknown object ...)
        if _is_openai_path(attrs):
            kind = "completion" if attrs[0] == "completions" else "chat"
            return self.openai_call(kind, None, ca, m.base_name)
        if meth in ("post", "stream") and len(attrs) == 1:
            return self.http_call(None, meth, ca, require_body=True)
        return None

    def str_method(self, s: Sc, meth: str, ca: CallArgs) -> Any:
        if not isinstance(s.value, str):
            return None
        if meth in _STR_METHODS:
            args = []
            for a in ca.args:
                if not (isinstance(a, Sc) and a.resolved):
                    return None
                args.append(a.value)
            try:
                return Sc(getattr(s.value, meth)(*args), s.loc, True, s.origin)
            except (TypeError, ValueError, AttributeError):
                return None
        if meth == "format":
            args = []
            for a in ca.args:
                if not (isinstance(a, Sc) and a.resolved):
                    return None
                args.append(a.value)
            kwargs = {}
            for k, a in ca.kwargs.items():
                if not (isinstance(a, Sc) and a.resolved):
                    return None
                kwargs[k] = a.value
            try:
                return Sc(s.value.format(*args, **kwargs), self.loc(ca.node), True, s.origin)
            except (IndexError, KeyError, ValueError, AttributeError):
                return None
        return None

    def obj_method(self, obj: Obj, attrs: tuple[str, ...], ca: CallArgs, m: Member) -> Any:
        kind = obj.kind
        meth = attrs[-1]
        node = ca.node
        recv = m.base_name
        if kind == "openai-client":
            if len(attrs) == 1 and meth in ("with_options", "copy"):
                return obj
            if _is_openai_path(attrs):
                kind_ = "completion" if attrs[0] == "completions" else "chat"
                return self.openai_call(kind_, obj, ca, recv or obj.var)
            return None
        if kind == "http-session" and len(attrs) == 1:
            if meth in ("post", "request", "stream"):
                return self.http_call(obj, meth, ca, require_body=False)
            return None
        if kind == "ollama-client" and len(attrs) == 1 and meth in ("chat", "generate"):
            return self.ollama_call(meth, obj, ca)
        if kind == "vllm-llm" and len(attrs) == 1:
            if meth in ("chat", "generate"):
                return self.vllm_call(meth, obj, ca)
            return None
        if kind == "lmdeploy-pipe" and len(attrs) == 1:
            if meth in ("chat", "stream_infer", "infer", "batch_infer"):
                return self.lmdeploy_call(meth, obj, ca)
            return None
        if kind == "langchain-llm" and len(attrs) == 1:
            if meth in ("invoke", "ainvoke", "stream", "astream", "batch", "abatch", "predict"):
                return self.langchain_call(meth, obj, ca)
            return None
        if kind in ("hf-tokenizer", "hf-processor") and len(attrs) == 1:
            return self.tokenizer_method(obj, meth, ca, recv)
        if kind in ("hf-model", "peft-model") and len(attrs) == 1:
            return self.model_method(obj, meth, ca, recv)
        if kind == "trainer" and len(attrs) == 1:
            if meth == "save_model":
                model = obj.data.get("model")
                target = ca.get("output_dir", 0)
                if isinstance(model, Obj):
                    self.save_op(model, ca, recv or obj.var, target)
                return Sc(None, self.loc(node))
            return None
        if kind == "argparser" and len(attrs) == 1:
            return self.argparse_method(obj, meth, ca)
        if kind in ("tokens", "chat-text") and len(attrs) == 1 and meth in _SAME_OBJECT_METHODS:
            return obj
        if kind == "instance":
            c: ClassV = obj.data["class"]
            if len(attrs) == 1 and meth in c.methods:
                return self.call_func(c.methods[meth], ca)
            if len(attrs) > 1 and _is_openai_path(attrs[1:]):
                k = "completion" if attrs[1] == "completions" else "chat"
                return self.openai_call(k, None, ca, f"{m.base_name}.{attrs[0]}")
            return None
        if kind == "trainer" and len(attrs) > 1 and attrs[0] == "model":
            model = obj.data.get("model")
            if isinstance(model, Obj):
                return self.obj_method(model, attrs[1:], ca, m)
        return None

    def call_obj(self, obj: Obj, ca: CallArgs) -> Any:
        if obj.kind == "lmdeploy-pipe":
            return self.lmdeploy_call("__call__", obj, ca)
        if obj.kind in ("hf-tokenizer", "hf-processor"):
            return self.tokenizer_method(obj, "__call__", ca, obj.var)
        if obj.kind == "http-session":
            return None
        if obj.kind == "instance":
            c: ClassV = obj.data["class"]
            if "__call__" in c.methods:
                return self.call_func(c.methods["__call__"], ca)
        return None

    # -- values out -----------------------------------------------------------------------------
    def value(self, x: Any, at: Loc | None = None) -> Value:
        if isinstance(x, Sc):
            return Value(x.value if x.resolved else None, x.loc, x.resolved, self.origin_of(x))
        if isinstance(x, Ref):
            if x.qual.startswith("torch."):
                return Value(x.qual, at or Loc(self.path), True, f"name {x.qual}")
            return Value(None, at or Loc(self.path), False, f"imported name {x.qual}")
        if isinstance(x, (DictV, ListV)):
            data, ok = _plain(x)
            return Value(data, x.loc, ok, None)
        if isinstance(x, Obj):
            return Value(None, x.loc, False, f"object from {x.cls or x.kind}(...)")
        if isinstance(x, Member):
            return Value(None, x.loc, False, f"`{x.base_name or '…'}.{'.'.join(x.attrs)}`")
        return Value(None, at or Loc(self.path), False, "not resolved")

    def values_of(self, d: Any) -> dict[str, Value]:
        if not isinstance(d, DictV):
            return {}
        return {k: self.value(v, d.key_locs.get(k, d.loc)) for k, v in d.entries.items()}

    def kw_values(self, ca: CallArgs, skip: tuple[str, ...] = ()) -> dict[str, Value]:
        return {k: self.value(v, ca.kw_locs.get(k)) for k, v in ca.kwargs.items() if k not in skip}

    def messages(self, x: Any, at: Loc) -> Messages:
        if isinstance(x, Obj) and x.kind == "chat-text":
            msgs = x.data.get("messages")
            if isinstance(msgs, Messages):
                return msgs
        if not isinstance(x, ListV):
            return Messages(x.loc if isinstance(x, (Sc, DictV)) else at, [], None, None, False)
        roles: list[str] = []
        complete = True
        first_role: str | None | bool = False  # False: not looked at yet
        system_text = None
        for i, item in enumerate(x.items):
            role, content = _role_of(item)
            if item is MORE or role is None:
                roles.append("?")
                complete = False
            else:
                roles.append(role)
            if i == 0:
                first_role = None if item is MORE else role
                if role == "system" and isinstance(content, Sc) and content.resolved:
                    if isinstance(content.value, str):
                        system_text = content.value
        if not x.items:
            has_system: bool | None = False
        elif first_role is None:
            has_system = None
        else:
            has_system = first_role == "system"
        return Messages(x.loc, roles, has_system, system_text, complete)

    def sampling(self, src: dict[str, Any], locs: dict[str, Loc]) -> dict[str, Value]:
        return {k: self.value(v, locs.get(k)) for k, v in src.items() if k in SAMPLING_KEYS}

    def add_call(self, call: ClientCall) -> ClientCall:
        self.facts.clients.append(call)
        return call

    def add_op(self, op: PeftOp) -> PeftOp:
        self.facts.peft_ops.append(op)
        return op

    # -- OpenAI --------------------------------------------------------------------------------
    def openai_ref(self, qual: str, ca: CallArgs) -> Any:
        parts = qual.split(".")[1:]
        last = parts[-1] if parts else ""
        node = ca.node
        if last in OPENAI_CLIENTS or (last in ("Client", "AsyncClient") and len(parts) == 1):
            return self.openai_client(qual, ca)
        # module-level client: openai.chat.completions.create(...), openai.ChatCompletion.create
        if _is_openai_path(tuple(parts)):
            kind = "completion" if parts[0] == "completions" else "chat"
            return self.openai_call(kind, self.module_client(node, legacy=False), ca, "openai")
        if parts in (["ChatCompletion", "create"], ["ChatCompletion", "acreate"]):
            return self.openai_call("chat", self.module_client(node, legacy=True), ca, "openai")
        if parts in (["Completion", "create"], ["Completion", "acreate"]):
            return self.openai_call(
                "completion", self.module_client(node, legacy=True), ca, "openai"
            )
        return None

    def openai_client(self, qual: str, ca: CallArgs) -> Obj:
        node = ca.node
        base = ca.get("base_url") or ca.get("azure_endpoint")
        if base is None:
            base = self.env_base_url(("OPENAI_BASE_URL", "OPENAI_API_BASE"), "the OpenAI SDK")
        return Obj(
            "openai-client",
            self.loc(node.func),
            qual,
            dict(ca.kwargs),
            data={"base_url": base, "api_key": ca.get("api_key")},
        )

    def env_base_url(self, names: tuple[str, ...], reader: str) -> Sc | None:
        for n in names:
            w = self.env_writes.get(n)
            if w is not None:
                return Sc(
                    w.value,
                    w.loc,
                    w.resolved,
                    f"{w.origin}; {reader} reads {n} when no base URL is given",
                    w.partial,
                )
        return None

    def module_client(self, node: ast.AST, legacy: bool) -> Obj:
        keys = ("openai.api_base", "openai.base_url") if legacy else ("openai.base_url",)
        base = None
        for k in keys:
            if k in self.module_attrs:
                base = self.module_attrs[k]
        if base is None:
            names = ("OPENAI_API_BASE",) if legacy else ("OPENAI_BASE_URL",)
            base = self.env_base_url(names, "the openai module")
        return Obj("openai-client", self.loc(node), "openai", data={"base_url": base})

    def openai_call(self, kind: str, client: Obj | None, ca: CallArgs, recv: str | None) -> Any:
        node = ca.node
        kw, locs = ca.kwargs, ca.kw_locs
        call = ClientCall(kind, "openai", self.loc(node.func))
        if "model" in kw or "engine" in kw:
            call.model = self.value(kw.get("model", kw.get("engine")), locs.get("model"))
        if client is not None and client.data.get("base_url") is not None:
            call.base_url = self.value(client.data["base_url"])
        if kind == "chat":
            msgs = kw.get("messages")
            if msgs is not None:
                call.messages = self.messages(msgs, locs.get("messages", call.loc))
            else:
                call.messages = Messages(call.loc, [], None, None, False)
        else:
            prompt = kw.get("prompt")
            if prompt is not None:
                call.extra["prompt"] = self.value(prompt, locs.get("prompt"))
                call.extra["prompt_has_chat_markup"] = _markup_of(prompt)
        call.sampling = self.sampling(kw, locs)
        eb = kw.get("extra_body")
        if eb is not None:
            if isinstance(eb, DictV):
                ebv = self.values_of(eb)
                call.extra["extra_body"] = ebv
                for k, v in ebv.items():
                    if k in SAMPLING_KEYS and k not in call.sampling:
                        call.sampling[k] = v
                if not eb.complete:
                    call.extra["extra_body_incomplete"] = True
            else:
                call.extra["extra_body"] = self.value(eb, locs.get("extra_body"))
        for k in REQUEST_EXTRA_KEYS:
            if k in kw:
                call.extra[k] = self.value(kw[k], locs.get(k))
        if "tools" in kw:
            call.extra["tools"] = True
        if recv:
            call.extra["client_var"] = recv
        if client is None:
            call.extra["client"] = "unresolved"
        self.note_spreads(call, ca)
        self.add_call(call)
        return Obj("response", call.loc)

    def note_spreads(self, call: ClientCall, ca: CallArgs) -> None:
        if ca.spreads or ca.star:
            call.extra["unresolved_kwargs"] = list(ca.spread_texts) or ["*args"]

    # -- HTTP ---------------------------------------------------------------------------------
    def http_ref(self, lib: str, qual: str, last: str, ca: CallArgs) -> Any:
        node = ca.node
        if last in ("Session", "Client", "AsyncClient", "ClientSession") and qual.count(".") == 1:
            base = ca.get("base_url")
            return Obj("http-session", self.loc(node.func), qual, data={"base_url": base})
        if qual.count(".") == 1 and last in ("post", "request", "stream"):
            return self.http_call(None, last, ca, require_body=False)
        return None

    def http_call(self, session: Obj | None, meth: str, ca: CallArgs, require_body: bool) -> Any:
        node = ca.node
        if meth in ("request", "stream"):
            method = ca.get("method", 0)
            if not (
                isinstance(method, Sc)
                and isinstance(method.value, str)
                and method.value.upper() == "POST"
            ):
                return None
            url = ca.get("url", 1)
        else:
            url = ca.get("url", 0)
        body = ca.get("json")
        if body is None:
            raw = ca.get("data") or ca.get("content")
            if isinstance(raw, Obj) and raw.kind == "json-text":
                body = raw.data.get("body")
        if require_body and body is None:
            return None
        if not isinstance(url, Sc):
            return None
        text = url.text
        if text is None:
            return None
        base_sc = session.data.get("base_url") if session is not None else None
        if not re.match(r"^[a-zA-Z][\w+.-]*://", text) and not text.startswith("{"):
            if isinstance(base_sc, Sc) and base_sc.text is not None:
                joined = base_sc.text.rstrip("/") + "/" + text.lstrip("/")
                url = Sc(
                    joined if (base_sc.resolved and url.resolved) else None,
                    url.loc,
                    base_sc.resolved and url.resolved,
                    f"base_url {base_sc.text!r} + {text!r}",
                    None if (base_sc.resolved and url.resolved) else joined,
                )
                text = joined
        path = text.split("?", 1)[0].rstrip("/")
        route = next((r for r in _HTTP_ROUTES if path.endswith(r[0])), None)
        if route is None:
            return None
        suffix, kind, api, strip = route
        call = ClientCall(kind, api, self.loc(node.func))
        base_text = path[: len(path) - len(strip)]
        if url.resolved:
            call.base_url = Value(base_text, url.loc, True, url.origin)
        else:
            call.base_url = Value(
                None, url.loc, False, f"URL with unresolved parts: {url.partial!r}"
            )
        call.extra["route"] = suffix
        call.extra["transport"] = "http"
        self.fill_from_body(call, body, kind, api, self.loc(node))
        self.add_call(call)
        return Obj("response", call.loc)

    def fill_from_body(self, call: ClientCall, body: Any, kind: str, api: str, at: Loc) -> None:
        if not isinstance(body, DictV):
            if kind == "chat":
                call.messages = Messages(
                    body.loc if isinstance(body, Sc) else at, [], None, None, False
                )
            call.extra["body"] = "unresolved"
            return
        e, kl = body.entries, body.key_locs
        if "model" in e:
            call.model = self.value(e["model"], kl.get("model"))
        if kind == "chat":
            if "messages" in e:
                call.messages = self.messages(e["messages"], kl.get("messages", body.loc))
            else:
                call.messages = Messages(body.loc, [], None, None, False)
        elif "prompt" in e:
            call.extra["prompt"] = self.value(e["prompt"], kl.get("prompt"))
            call.extra["prompt_has_chat_markup"] = _markup_of(e["prompt"])
        call.sampling = self.sampling(e, kl)
        opts = e.get("options")
        if isinstance(opts, DictV):
            call.extra["options"] = self.values_of(opts)
            for k, v in self.sampling(opts.entries, opts.key_locs).items():
                call.sampling.setdefault(k, v)
        for k in REQUEST_EXTRA_KEYS:
            if k in e:
                call.extra[k] = self.value(e[k], kl.get(k))
        if not body.complete:
            call.extra["body_incomplete"] = True

    # -- Ollama -------------------------------------------------------------------------------
    def ollama_ref(self, last: str, ca: CallArgs) -> Any:
        if last in ("Client", "AsyncClient"):
            host = ca.get("host", 0)
            return Obj(
                "ollama-client",
                self.loc(ca.node.func),
                last,
                dict(ca.kwargs),
                data={"base_url": host},
            )
        if last in ("chat", "generate"):
            base = self.env_base_url(("OLLAMA_HOST",), "the ollama module")
            client = Obj("ollama-client", self.loc(ca.node.func), "ollama", data={"base_url": base})
            return self.ollama_call(last, client, ca)
        return None

    def ollama_call(self, meth: str, client: Obj, ca: CallArgs) -> Any:
        kind = "chat" if meth == "chat" else "completion"
        call = ClientCall(kind, "ollama", self.loc(ca.node.func))
        model = ca.get("model", 0)
        if model is not None:
            call.model = self.value(model, ca.kw_locs.get("model"))
        if client.data.get("base_url") is not None:
            call.base_url = self.value(client.data["base_url"])
        if kind == "chat":
            msgs = ca.get("messages", 1)
            call.messages = (
                self.messages(msgs, call.loc)
                if msgs is not None
                else Messages(call.loc, [], None, None, False)
            )
        else:
            prompt = ca.get("prompt", 1)
            if prompt is not None:
                call.extra["prompt"] = self.value(prompt, ca.kw_locs.get("prompt"))
        opts = ca.get("options")
        if isinstance(opts, DictV):
            call.extra["options"] = self.values_of(opts)
            call.sampling = self.sampling(opts.entries, opts.key_locs)
        elif opts is not None:
            call.extra["options"] = self.value(opts, ca.kw_locs.get("options"))
        for k in REQUEST_EXTRA_KEYS:
            if k in ca.kwargs:
                call.extra[k] = self.value(ca.kwargs[k], ca.kw_locs.get(k))
        self.note_spreads(call, ca)
        self.add_call(call)
        return Obj("response", call.loc)

    # -- LangChain ------------------------------------------------------------------------------
    def langchain_ref(self, last: str, ca: CallArgs) -> Any:
        node = ca.node
        if last in LANGCHAIN_MESSAGES:
            content = ca.get("content", 0)
            d = DictV({}, self.loc(node), depth=self.here)
            d.entries["role"] = Sc(LANGCHAIN_MESSAGES[last], self.loc(node.func))
            if content is not None:
                d.entries["content"] = content
            return d
        if last in ("ChatOpenAI", "AzureChatOpenAI", "OpenAI", "ChatOllama", "OllamaLLM"):
            kw = dict(ca.kwargs)
            if "model_name" in kw and "model" not in kw:
                kw["model"] = kw["model_name"]
                ca.kw_locs["model"] = ca.kw_locs["model_name"]
            if last in ("ChatOllama", "OllamaLLM"):
                base = kw.get("base_url") or self.env_base_url(("OLLAMA_HOST",), "langchain")
                api = "ollama"
            else:
                base = (
                    kw.get("base_url")
                    or kw.get("openai_api_base")
                    or kw.get("azure_endpoint")
                    or self.env_base_url(("OPENAI_API_BASE", "OPENAI_BASE_URL"), "langchain")
                )
                api = "openai"
            sampling_src = {k: v for k, v in kw.items() if k in SAMPLING_KEYS}
            locs = dict(ca.kw_locs)
            for k in ("model_kwargs", "extra_body"):
                inner = kw.get(k)
                if isinstance(inner, DictV):
                    for ik, iv in inner.entries.items():
                        if ik in SAMPLING_KEYS:
                            sampling_src.setdefault(ik, iv)
                            locs.setdefault(ik, inner.key_locs.get(ik, inner.loc))
            return Obj(
                "langchain-llm",
                self.loc(node.func),
                last,
                kw,
                data={
                    "base_url": base,
                    "api": api,
                    "chat": last.startswith(("Chat", "AzureChat")),
                    "model": kw.get("model"),
                    "sampling": sampling_src,
                    "locs": locs,
                },
            )
        return None

    def langchain_call(self, meth: str, llm: Obj, ca: CallArgs) -> Any:
        chat = llm.data["chat"]
        call = ClientCall("chat" if chat else "completion", llm.data["api"], self.loc(ca.node.func))
        if llm.data.get("model") is not None:
            call.model = self.value(llm.data["model"])
        if llm.data.get("base_url") is not None:
            call.base_url = self.value(llm.data["base_url"])
        call.sampling = self.sampling(llm.data["sampling"], llm.data["locs"])
        arg = ca.get("input", 0)
        if meth in ("batch", "abatch") and isinstance(arg, ListV):
            arg = next((i for i in arg.items if i is not MORE), arg.elem)
        if chat:
            if isinstance(arg, Sc) and (arg.resolved or arg.partial is not None):
                call.messages = Messages(arg.loc, ["user"], False, None, True)
            elif arg is not None:
                call.messages = self.messages(arg, call.loc)
            else:
                call.messages = Messages(call.loc, [], None, None, False)
        elif arg is not None:
            call.extra["prompt"] = self.value(arg)
        call.extra["framework"] = "langchain"
        if llm.var:
            call.extra["client_var"] = llm.var
        self.add_call(call)
        return Obj("response", call.loc)

    # -- vLLM ---------------------------------------------------------------------------------
    def vllm_ref(self, last: str, ca: CallArgs) -> Any:
        node = ca.node
        if last == "LLM":
            options: list[tuple[str, Any, Loc, ast.expr | None]] = []
            model = ca.get(None, 0)
            if model is not None and "model" not in ca.kwargs:
                mloc = self.loc(ca.arg_nodes[0])
                options.append(("model", model, mloc, ca.arg_nodes[0]))
            for k, v in ca.kwargs.items():
                options.append((k, v, ca.kw_locs[k], ca.kw_nodes.get(k)))
            launch = self.synth_launch("vllm", "vllm.LLM", node.func, [], options, ca)
            return Obj(
                "vllm-llm",
                self.loc(node.func),
                "vllm.LLM",
                dict(ca.kwargs),
                data={"launch": launch, "model": ca.get("model", 0)},
            )
        if last == "SamplingParams":
            return Obj(
                "sampling-params",
                self.loc(node.func),
                last,
                dict(ca.kwargs),
                data={"locs": dict(ca.kw_locs)},
            )
        if last == "LoRARequest":
            name = ca.get("lora_name", 0)
            path = ca.get("lora_path", 2)
            if path is None:
                path = ca.get("lora_local_path")
            return Obj(
                "lora-request",
                self.loc(node.func),
                last,
                dict(ca.kwargs),
                data={"name": name, "path": path},
            )
        return None

    def vllm_call(self, meth: str, llm: Obj, ca: CallArgs) -> Any:
        node = ca.node
        kind = "chat" if meth == "chat" else "completion"
        call = ClientCall(kind, "vllm-offline", self.loc(node.func), context="Python vllm.LLM")
        launch = llm.data.get("launch")
        if launch is not None:
            if "python_var" not in launch.extra:
                pv = f"<vllm.LLM@{launch.loc.line}>"
                launch.extra["python_var"] = pv
            call.engine_var = launch.extra["python_var"]
        else:
            call.engine_var = llm.var
        if llm.data.get("model") is not None:
            call.model = self.value(llm.data["model"])
        first = ca.get("messages" if kind == "chat" else "prompts", 0)
        if first is None and kind == "completion":
            first = ca.get("prompt_token_ids")
            if first is not None:
                call.extra["prompt_is_raw_text"] = None
        if kind == "chat":
            call.messages = self.conversation(first, call.loc)
            for k in (
                "chat_template",
                "chat_template_kwargs",
                "add_generation_prompt",
                "continue_final_message",
                "chat_template_content_format",
            ):
                if k in ca.kwargs:
                    call.extra[k] = self.value(ca.kwargs[k], ca.kw_locs.get(k))
        elif first is not None and "prompt_is_raw_text" not in call.extra:
            src, msgs, markup = self.prompt_source(first)
            call.extra["prompt_is_raw_text"] = {"raw": True, "chat": False}.get(src)
            if markup:
                call.extra["prompt_has_chat_markup"] = True
            if msgs is not None:
                call.messages = msgs
        sp = ca.get("sampling_params", 1)
        if isinstance(sp, ListV):
            sp = next((i for i in sp.items if isinstance(i, Obj)), None) or sp
        if sp is None:
            call.extra["default_sampling"] = True
        elif isinstance(sp, Obj) and sp.kind == "sampling-params":
            call.sampling = self.sampling(sp.kwargs, sp.data["locs"])
            call.extra["sampling_params"] = {
                k: self.value(v, sp.data["locs"].get(k)) for k, v in sp.kwargs.items()
            }
            call.extra["default_sampling"] = False
        else:
            call.extra["default_sampling"] = False
            call.extra["sampling_params"] = self.value(sp)
        lr = ca.get("lora_request")
        if isinstance(lr, Obj) and lr.kind == "lora-request":
            call.extra["lora_request"] = self.value(lr.data.get("path"), lr.loc)
            if lr.data.get("name") is not None:
                call.extra["lora_name"] = self.value(lr.data["name"], lr.loc)
        elif lr is not None:
            call.extra["lora_request"] = self.value(lr, ca.kw_locs.get("lora_request"))
        self.note_spreads(call, ca)
        self.add_call(call)
        return Obj("response", call.loc)

    def conversation(self, x: Any, at: Loc) -> Messages:
        """Messages of a chat call that takes one conversation or a batch of them. For a batch,
        the first conversation without a system message represents it (else the first)."""
        if isinstance(x, ListV):
            known = [i for i in x.items if i is not MORE]
            if known and all(isinstance(i, ListV) for i in known):
                convs = [self.messages(i, at) for i in known]
                rep = next((c for c in convs if c.has_system is False), None)
                if rep is None:
                    rep = next((c for c in convs if c.has_system is None), convs[0])
                has = rep.has_system
                if MORE in x.items and has is True:
                    has = None
                complete = all(c.complete for c in convs) and MORE not in x.items
                return Messages(rep.loc, rep.roles, has, rep.system_text, complete)
            if not known and isinstance(x.elem, ListV):
                m = self.messages(x.elem, at)
                return Messages(m.loc, m.roles, m.has_system, m.system_text, False)
        if x is None:
            return Messages(at, [], None, None, False)
        return self.messages(x, at)

    def prompt_source(self, x: Any) -> tuple[str, Messages | None, bool]:
        """('raw' | 'chat' | 'unknown', messages, has chat markup) of a prompt argument."""
        if isinstance(x, Obj):
            if x.kind == "chat-text":
                return "chat", x.data.get("messages"), bool(x.data.get("markup"))
            if x.kind == "tokens":
                return x.data.get("source", "unknown"), x.data.get("messages"), False
            return "unknown", None, False
        if isinstance(x, Sc):
            t = x.text
            if t is None or not t.strip() or _PLACEHOLDER.fullmatch(t.strip()):
                return "unknown", None, False
            return "raw", None, _has_markup(t)
        if isinstance(x, DictV):
            if "prompt" in x.entries:
                return self.prompt_source(x.entries["prompt"])
            return "unknown", None, False
        if isinstance(x, ListV):
            parts = [self.prompt_source(i) for i in x.items if i is not MORE]
            if x.elem is not None:
                parts.append(self.prompt_source(x.elem))
            kinds = {p[0] for p in parts}
            markup = any(p[2] for p in parts)
            msgs = next((p[1] for p in parts if p[1] is not None), None)
            if kinds == {"raw"}:
                return "raw", None, markup
            if kinds == {"chat"}:
                return "chat", msgs, markup
            return "unknown", msgs, markup
        return "unknown", None, False

    # -- launches from Python -------------------------------------------------------------------
    def synth_launch(
        self,
        engine: str,
        form: str,
        head: ast.expr,
        positionals: list[tuple[Any, Loc, ast.expr | None]],
        options: list[tuple[str, Any, Loc, ast.expr | None]],
        ca: CallArgs,
        extra: dict[str, Any] | None = None,
        notes: list[str] | None = None,
    ):
        from ..engines import registry
        from ..shell import Env, EnvValue
        from .commands import LaunchContext, build_launch

        table = registry.module(engine).option_table(None)
        tokens = [Token(form, self.loc(head))]
        for val, loc, vnode in positionals:
            tokens.extend(self.value_tokens(val, loc, vnode, multi=False))
        notes = list(notes or [])
        for name, val, kloc, vnode in options:
            if isinstance(val, Sc) and val.resolved and val.value is None:
                continue
            flag = "--" + name.replace("_", "-")
            spec, _ = table.lookup(flag)
            vloc = self.loc(vnode) if vnode is not None else kloc
            if isinstance(val, Sc) and isinstance(val.value, bool) and val.resolved:
                if spec is not None and spec.arity == "flag":
                    if val.value:
                        tokens.append(Token(flag, kloc, True, val.origin))
                    elif spec.negatable:
                        tokens.append(Token("--no-" + flag[2:], kloc, True, val.origin))
                    else:
                        notes.append(f"{name}=False in Python (the same as not giving {flag})")
                    continue
                tokens.append(Token(flag, kloc))
                tokens.append(Token(str(val.value), vloc, True, val.origin))
                continue
            if spec is not None and spec.arity == "flag":
                v = self.value(val)
                tokens.append(
                    Token(flag, kloc, v.resolved and bool(v.value), v.origin or self.src_of(vnode))
                )
                if not v.resolved:
                    notes.append(f"{name}= is not resolved; {flag} may or may not be set")
                continue
            tokens.append(Token(flag, kloc))
            tokens.extend(
                self.value_tokens(
                    val, vloc, vnode, multi=spec is not None and spec.arity == "multi"
                )
            )
        if ca.spreads or ca.star:
            notes.append(
                "keyword arguments from "
                + ", ".join(f"`**{t}`" for t in ca.spread_texts or ["*args"])
                + " could not be resolved"
            )
        env = Env()
        for k, w in self.env_writes.items():
            env.set(
                k,
                EnvValue(
                    str(w.value) if w.resolved else (w.partial or ""), w.origin or "", w.resolved
                ),
            )
        path = self.path
        ctx = LaunchContext(
            path, f"Python {form}", path.parent, env, notes=notes, extra=dict(extra or {})
        )
        ctx.extra["kwargs"] = {n: self.value(v, kl) for n, v, kl, _ in options}
        launch = build_launch(engine, form, tokens, 1, ctx)
        self.facts.launches.append(launch)
        return launch

    def src_of(self, node: ast.expr | None) -> str | None:
        return f"`{self.src(node)}`" if node is not None else None

    def value_tokens(self, val: Any, loc: Loc, vnode: ast.expr | None, multi: bool) -> list[Token]:
        v = self.value(val, loc)
        if not v.resolved:
            text = val.partial if isinstance(val, Sc) and val.partial else None
            if text is None:
                text = "${" + (self.src(vnode, 60) if vnode is not None else "?") + "}"
            return [Token(text, loc, False, v.origin or self.src_of(vnode))]
        data = v.value
        if multi and isinstance(data, list):
            return [Token(_tok_text(d), loc, True, v.origin) for d in data]
        return [Token(_tok_text(data), loc, True, v.origin)]

    # -- LMDeploy -----------------------------------------------------------------------------
    def lmdeploy_ref(self, last: str, ca: CallArgs) -> Any:
        node = ca.node
        if last in ("TurbomindEngineConfig", "PytorchEngineConfig"):
            return Obj(
                "lmdeploy-backend",
                self.loc(node.func),
                last,
                dict(ca.kwargs),
                data={
                    "backend": "turbomind" if last.startswith("Turbomind") else "pytorch",
                    "locs": dict(ca.kw_locs),
                    "nodes": dict(ca.kw_nodes),
                },
            )
        if last == "ChatTemplateConfig":
            kw = dict(ca.kwargs)
            locs = dict(ca.kw_locs)
            nodes = dict(ca.kw_nodes)
            if "model_name" not in kw and ca.args:
                kw["model_name"] = ca.args[0]
                locs["model_name"] = self.loc(ca.arg_nodes[0])
                nodes["model_name"] = ca.arg_nodes[0]
            return Obj(
                "lmdeploy-template",
                self.loc(node.func),
                last,
                kw,
                data={"locs": locs, "nodes": nodes},
            )
        if last == "GenerationConfig":
            return Obj(
                "gen-config",
                self.loc(node.func),
                "lmdeploy.GenerationConfig",
                dict(ca.kwargs),
                data={"locs": dict(ca.kw_locs)},
            )
        if last == "pipeline":
            return self.lmdeploy_pipeline(ca)
        return None

    def lmdeploy_pipeline(self, ca: CallArgs) -> Obj:
        node = ca.node
        positionals: list[tuple[Any, Loc, ast.expr | None]] = []
        model = ca.get("model_path", 0)
        mnode = ca.node_of("model_path", 0)
        if model is not None:
            positionals.append((model, self.loc(mnode) if mnode else self.loc(node), mnode))
        options: list[tuple[str, Any, Loc, ast.expr | None]] = []
        notes: list[str] = []
        extra: dict[str, Any] = {}
        backend = ca.get("backend_config", 1)
        bnode = ca.node_of("backend_config", 1)
        if isinstance(backend, Obj) and backend.kind == "lmdeploy-backend":
            options.append(("backend", Sc(backend.data["backend"], backend.loc), backend.loc, None))
            for k, v in backend.kwargs.items():
                kloc = backend.data["locs"].get(k, backend.loc)
                vnode = backend.data["nodes"].get(k)
                if k == "adapters":
                    options.append(("adapters", self.adapters_list(v, kloc), kloc, vnode))
                elif k == "device_type":
                    options.append(("device", v, kloc, vnode))
                else:
                    options.append((k, v, kloc, vnode))
        elif backend is not None and bnode is not None:
            notes.append(f"backend_config `{self.src(bnode)}` is not resolved")
        tmpl = ca.get("chat_template_config", 2)
        if isinstance(tmpl, Obj) and tmpl.kind == "lmdeploy-template":
            extra["chat_template_config"] = {
                k: self.value(v, tmpl.data["locs"].get(k)) for k, v in tmpl.kwargs.items()
            }
            if "model_name" in tmpl.kwargs:
                mloc = tmpl.data["locs"].get("model_name", tmpl.loc)
                options.append(
                    (
                        "chat_template",
                        tmpl.kwargs["model_name"],
                        mloc,
                        tmpl.data["nodes"].get("model_name"),
                    )
                )
        elif tmpl is not None:
            extra["chat_template_config"] = self.value(tmpl, ca.kw_locs.get("chat_template_config"))
        for k, v in ca.kwargs.items():
            if k in ("model_path", "backend_config", "chat_template_config"):
                continue
            options.append((k, v, ca.kw_locs[k], ca.kw_nodes.get(k)))
        launch = self.synth_launch(
            "lmdeploy", "lmdeploy.pipeline", node.func, positionals, options, ca, extra, notes
        )
        return Obj(
            "lmdeploy-pipe",
            self.loc(node.func),
            "lmdeploy.pipeline",
            dict(ca.kwargs),
            data={"launch": launch, "model": model},
        )

    def adapters_list(self, v: Any, at: Loc) -> Any:
        if isinstance(v, DictV):
            items: list[Any] = []
            for name, path in v.entries.items():
                p = path if isinstance(path, Sc) else Sc(None, at, False, "adapter path")
                text = p.value if p.resolved else None
                items.append(
                    Sc(
                        f"{name}={text}" if text is not None else None,
                        p.loc,
                        p.resolved,
                        self.origin_of(p),
                        None if p.resolved else f"{name}={{{self.origin_of(p) or 'path'}}}",
                    )
                )
            return ListV(items, v.loc, self.here)
        if isinstance(v, Sc) and v.resolved and isinstance(v.value, str):
            return v
        return v

    def lmdeploy_call(self, meth: str, pipe: Obj, ca: CallArgs) -> Any:
        node = ca.node
        call = ClientCall(
            "chat", "lmdeploy", self.loc(node.func), context="Python lmdeploy.pipeline"
        )
        launch = pipe.data.get("launch")
        if launch is not None:
            if "python_var" not in launch.extra:
                launch.extra["python_var"] = f"<lmdeploy.pipeline@{launch.loc.line}>"
            call.engine_var = launch.extra["python_var"]
        if pipe.data.get("model") is not None:
            call.model = self.value(pipe.data["model"])
        prompts = ca.get("prompts" if meth != "chat" else "prompt", 0)
        gen_pos = 2 if meth == "chat" else 1
        gen = ca.get("gen_config", gen_pos)
        pre = ca.get("do_preprocess")
        if isinstance(pre, Sc) and pre.resolved and pre.value is False:
            call.kind = "completion"
            call.extra["do_preprocess"] = self.value(pre, ca.kw_locs.get("do_preprocess"))
        src, _, markup = (
            self.prompt_source(prompts) if prompts is not None else ("unknown", None, False)
        )
        if call.kind == "chat":
            if src == "raw":
                # LMDeploy wraps a plain string as one user turn and applies the chat template
                call.messages = Messages(_loc_of(prompts, call.loc), ["user"], False, None, True)
                call.extra["prompt_is_raw_text"] = True
            else:
                call.messages = self.conversation(prompts, call.loc)
        else:
            call.extra["prompt_is_raw_text"] = {"raw": True, "chat": False}.get(src)
        if markup:
            call.extra["prompt_has_chat_markup"] = True
        if isinstance(gen, Obj) and gen.kind == "gen-config":
            call.sampling = self.sampling(gen.kwargs, gen.data["locs"])
            call.extra["gen_config"] = {
                k: self.value(v, gen.data["locs"].get(k)) for k, v in gen.kwargs.items()
            }
            call.extra["default_sampling"] = False
            at = gen.loc
        elif gen is not None:
            call.extra["gen_config"] = self.value(gen)
            call.extra["default_sampling"] = False
            at = call.loc
        else:
            call.extra["default_sampling"] = True
            at = call.loc
        if "do_sample" not in call.sampling and not (gen is not None and not isinstance(gen, Obj)):
            call.extra["do_sample"] = Value(
                False,
                at,
                True,
                "LMDeploy GenerationConfig default do_sample=False: greedy decoding unless "
                "do_sample=True (lmdeploy/messages.py, v0.6.0+)",
            )
        self.add_call(call)
        return Obj("response", call.loc)

    # -- transformers / PEFT / TRL / Unsloth ----------------------------------------------------
    def hf_ref(self, lib: str, qual: str, last: str, ca: CallArgs) -> Any:
        node = ca.node
        parts = qual.split(".")
        if lib == "torch":
            if last == "compile":
                x = ca.get("model", 0)
                return x if isinstance(x, Obj) else None
            return None
        if last == "from_pretrained" and len(parts) >= 3:
            cls = parts[-2]
            return self.from_pretrained(lib, cls, ca)
        if lib == "peft":
            if last == "get_peft_model":
                return self.get_peft_model(
                    ca.get("model", 0), ca.node_of("model", 0), ca.get("peft_config", 1), ca
                )
            if last in PEFT_TYPES or last.endswith("Config") and len(parts) == 2:
                return Obj(
                    "peft-config",
                    self.loc(node.func),
                    last,
                    dict(ca.kwargs),
                    data={"peft_type": PEFT_TYPES.get(last), "locs": dict(ca.kw_locs)},
                )
            if last == "prepare_model_for_kbit_training":
                x = ca.get("model", 0)
                return x if isinstance(x, Obj) else None
            return None
        if lib == "unsloth" and len(parts) >= 3 and last == "get_peft_model":
            model = ca.get("model", 0)
            cfg = Obj(
                "peft-config",
                self.loc(node.func),
                "LoraConfig",
                {k: v for k, v in ca.kwargs.items() if k != "model"},
                data={"peft_type": "LORA", "locs": dict(ca.kw_locs)},
            )
            return self.get_peft_model(model, ca.node_of("model", 0), cfg, ca)
        if lib == "unsloth" and last == "for_inference":
            return Sc(None, self.loc(node))
        if last == "GenerationConfig" and lib in HF_LIBS:
            return Obj(
                "gen-config",
                self.loc(node.func),
                "transformers.GenerationConfig",
                dict(ca.kwargs),
                data={"locs": dict(ca.kw_locs)},
            )
        if last.endswith("Trainer") and lib in ("trl", "transformers"):
            return self.trainer(last, ca)
        return None

    def from_pretrained(self, lib: str, cls: str, ca: CallArgs) -> Any:
        node = ca.node
        loc = self.loc(node.func)
        first = ca.get("pretrained_model_name_or_path", 0)
        if first is None:
            first = ca.get("model_name") or ca.get("model_id")
        if lib == "peft":
            if cls in ("PeftModel", "PeftModelForCausalLM", "PeftModelForSeq2SeqLM") or (
                cls.startswith("PeftModelFor")
            ):
                base = ca.get("model", 0)
                adapter = ca.get("model_id", 1)
                op = self.add_op(
                    PeftOp(
                        "load-adapter",
                        loc,
                        source_var=self.var_name(base, ca.node_of("model", 0)),
                        adapter=self.value(adapter, loc) if adapter is not None else None,
                        model=self.model_value(base),
                        extra=self.kw_values(ca, ("model", "model_id")),
                    )
                )
                return Obj(
                    "peft-model",
                    loc,
                    cls,
                    op=op,
                    data={
                        "peft_type": None,
                        "base": base if isinstance(base, Obj) else None,
                        "model": self.model_sc(base),
                        "adapter": adapter,
                    },
                )
            if cls.startswith("AutoPeftModel"):
                adapter = ca.get("pretrained_model_name_or_path", 0)
                op = self.add_op(
                    PeftOp(
                        "load-adapter",
                        loc,
                        adapter=self.value(adapter, loc) if adapter is not None else None,
                        extra=self.kw_values(ca, ("pretrained_model_name_or_path",)),
                    )
                )
                return Obj(
                    "peft-model",
                    loc,
                    cls,
                    op=op,
                    data={"peft_type": None, "model": None, "adapter": adapter},
                )
            return None
        if lib == "unsloth":
            if cls.startswith("Fast"):
                model = ca.get("model_name", 0)
                extra = self.kw_values(ca, ("model_name",))
                _dtype(extra)
                mv = self.value(model, loc) if model is not None else None
                op_m = self.add_op(PeftOp("load-base", loc, model=mv, what="model", extra=extra))
                op_t = self.add_op(
                    PeftOp("load-base", loc, model=mv, what="tokenizer", extra=dict(extra))
                )
                m_obj = Obj("hf-model", loc, cls, op=op_m, data={"model": model, "peft_type": None})
                t_obj = Obj("hf-tokenizer", loc, cls, op=op_t, data={"model": model})
                return ListV([m_obj, t_obj], loc, self.here, is_tuple=True)
            return None
        what = _hf_class_kind(cls)
        if what is None:
            return None
        extra = self.kw_values(ca, ("pretrained_model_name_or_path",))
        _dtype(extra)
        mv = self.value(first, loc) if first is not None else None
        op = self.add_op(PeftOp("load-base", loc, model=mv, what=what, extra=extra))
        kind = {"model": "hf-model", "tokenizer": "hf-tokenizer", "processor": "hf-processor"}[what]
        return Obj(kind, loc, cls, dict(ca.kwargs), op=op, data={"model": first, "peft_type": None})

    def get_peft_model(self, model: Any, mnode: ast.expr | None, cfg: Any, ca: CallArgs) -> Any:
        loc = self.loc(ca.node.func)
        op = PeftOp("get-peft-model", loc, source_var=self.var_name(model, mnode))
        op.model = self.model_value(model)
        if isinstance(cfg, Obj) and cfg.kind == "peft-config":
            op.config = {k: self.value(v, cfg.data["locs"].get(k)) for k, v in cfg.kwargs.items()}
            op.peft_type = cfg.data.get("peft_type")
        elif cfg is not None:
            op.extra["config"] = self.value(cfg)
        self.add_op(op)
        return Obj(
            "peft-model",
            loc,
            "PeftModel",
            op=op,
            data={
                "peft_type": op.peft_type,
                "base": model if isinstance(model, Obj) else None,
                "model": self.model_sc(model),
            },
        )

    def trainer(self, cls: str, ca: CallArgs) -> Obj:
        loc = self.loc(ca.node.func)
        model = ca.get("model", 0)
        cfg = ca.get("peft_config")
        data: dict[str, Any] = {"model": model if isinstance(model, Obj) else None}
        if cfg is not None:
            peft = self.get_peft_model(model, ca.node_of("model", 0), cfg, ca)
            if isinstance(model, Sc) and peft.op is not None:
                peft.op.model = self.value(model, ca.kw_locs.get("model"))
            peft.op.extra["trainer"] = cls  # type: ignore[union-attr]
            data["model"] = peft
        return Obj("trainer", loc, cls, dict(ca.kwargs), data=data)

    def var_name(self, x: Any, node: ast.expr | None) -> str | None:
        if node is not None:
            d = _dotted(node)
            if d:
                return d
        return x.var if isinstance(x, Obj) else None

    def model_sc(self, x: Any) -> Any:
        if isinstance(x, Obj):
            return x.data.get("model")
        if isinstance(x, Sc):
            return x
        return None

    def model_value(self, x: Any) -> Value | None:
        m = self.model_sc(x)
        return self.value(m) if m is not None else None

    def tokenizer_method(self, tok: Obj, meth: str, ca: CallArgs, recv: str | None) -> Any:
        node = ca.node
        loc = self.loc(node.func)
        if meth == "apply_chat_template":
            msgs_x = ca.get("conversation", 0)
            if msgs_x is None:
                msgs_x = ca.get("messages")
            call = ClientCall("chat", "transformers", loc, context="transformers")
            call.engine_var = tok.var or recv
            call.model = self.model_value(tok)
            call.messages = self.conversation(msgs_x, loc)
            agp = ca.kwargs.get("add_generation_prompt")
            call.extra["add_generation_prompt"] = (
                self.value(agp, ca.kw_locs.get("add_generation_prompt"))
                if agp is not None
                else None
            )
            for k in (
                "tokenize",
                "chat_template",
                "continue_final_message",
                "enable_thinking",
                "return_dict",
                "tools",
            ):
                if k in ca.kwargs:
                    call.extra[k] = self.value(ca.kwargs[k], ca.kw_locs.get(k))
            if "chat_template_kwargs" in ca.kwargs:
                call.extra["chat_template_kwargs"] = self.value(
                    ca.kwargs["chat_template_kwargs"], ca.kw_locs.get("chat_template_kwargs")
                )
            self.note_spreads(call, ca)
            self.add_call(call)
            tokenize = ca.kwargs.get("tokenize")
            if tokenize is None:  # processors return text by default, tokenizers token ids
                is_text = tok.kind == "hf-processor"
            else:
                is_text = isinstance(tokenize, Sc) and tokenize.resolved and tokenize.value is False
            data = {"messages": call.messages, "call": call, "source": "chat", "markup": False}
            return Obj("chat-text" if is_text else "tokens", loc, data=data)
        if meth in ("__call__", "encode", "batch_encode_plus", "encode_plus"):
            text = ca.get("text", 0)
            src, msgs, _ = (
                self.prompt_source(text) if text is not None else ("unknown", None, False)
            )
            return Obj("tokens", loc, data={"source": src, "messages": msgs})
        if meth in ("save_pretrained", "push_to_hub"):
            self.save_op(tok, ca, recv or tok.var, ca.get("save_directory", 0) or ca.get("repo_id"))
            return Sc(None, self.loc(node))
        return None

    def model_method(self, model: Obj, meth: str, ca: CallArgs, recv: str | None) -> Any:
        node = ca.node
        loc = self.loc(node.func)
        if meth in _SAME_OBJECT_METHODS:
            return model
        if meth == "merge_and_unload" or meth == "merge_adapter":
            op = self.add_op(
                PeftOp(
                    "merge",
                    loc,
                    source_var=recv or model.var,
                    peft_type=model.data.get("peft_type"),
                )
            )
            op.model = self.model_value(model)
            if meth == "merge_adapter":
                op.var = recv or model.var
                return Sc(None, loc)
            return Obj(
                "hf-model",
                loc,
                "merged",
                op=op,
                data={"model": model.data.get("model"), "merged": True, "peft_type": None},
            )
        if meth in ("save_pretrained", "push_to_hub", "save_pretrained_merged"):
            self.save_op(
                model,
                ca,
                recv or model.var,
                ca.get("save_directory", 0) or ca.get("repo_id"),
                merged_save=meth == "save_pretrained_merged",
            )
            return Sc(None, loc)
        if meth == "load_adapter":
            adapter = ca.get("peft_model_id", 0)
            op = self.add_op(
                PeftOp(
                    "load-adapter",
                    loc,
                    var=recv or model.var,
                    source_var=recv or model.var,
                    adapter=self.value(adapter, loc) if adapter is not None else None,
                    model=self.model_value(model),
                    extra=self.kw_values(ca, ("peft_model_id",)),
                )
            )
            model.data["adapter_loaded"] = op
            return Sc(None, loc)
        if meth == "generate":
            return self.generate(model, ca, recv)
        return None

    def save_op(
        self, obj: Obj, ca: CallArgs, var: str | None, target: Any, merged_save: bool = False
    ) -> None:
        loc = self.loc(ca.node.func)
        if obj.kind == "hf-tokenizer":
            what = "tokenizer"
        elif obj.kind == "hf-processor":
            what = "processor"
        elif obj.kind == "peft-model" and not merged_save:
            what = "adapter"
        else:
            what = "model"
        op = PeftOp("save", loc, var=var, what=what, peft_type=obj.data.get("peft_type"))
        op.target = self.value(target, loc) if target is not None else None
        op.model = self.model_value(obj)
        op.extra = self.kw_values(ca, ("save_directory",))
        meth = ca.node.func.attr if isinstance(ca.node.func, ast.Attribute) else ""
        if meth != "save_pretrained":
            op.extra["method"] = meth
        self.add_op(op)

    def generate(self, model: Obj, ca: CallArgs, recv: str | None) -> Any:
        node = ca.node
        loc = self.loc(node.func)
        kw = dict(ca.kwargs)
        locs = dict(ca.kw_locs)
        gc = kw.get("generation_config")
        if isinstance(gc, Obj) and gc.kind == "gen-config":
            for k, v in gc.kwargs.items():
                kw.setdefault(k, v)
                locs.setdefault(k, gc.data["locs"].get(k, gc.loc))
        inputs = ca.get("inputs", 0)
        if inputs is None:
            inputs = kw.get("input_ids")
        if inputs is None:
            inputs = next((s for s in ca.spreads if isinstance(s, Obj)), None)
        src, msgs, markup = (
            self.prompt_source(inputs) if inputs is not None else ("unknown", None, False)
        )
        is_peft = model.kind == "peft-model"
        extra: dict[str, Any] = {
            k: self.value(v, locs.get(k))
            for k, v in kw.items()
            if k not in ("input_ids",) and not isinstance(v, Obj)
        }
        op = PeftOp(
            "generate",
            loc,
            var=recv or model.var,
            peft_type=model.data.get("peft_type"),
            extra=extra,
        )
        op.model = self.model_value(model)
        op.extra["receiver_is_peft"] = is_peft
        if ca.spreads:
            op.extra["unresolved_kwargs"] = [
                t
                for s, t in zip(ca.spreads, ca.spread_texts, strict=True)
                if not isinstance(s, Obj)
            ]
            if not op.extra["unresolved_kwargs"]:
                del op.extra["unresolved_kwargs"]
        self.add_op(op)
        call = ClientCall(
            "chat" if src == "chat" else "completion", "transformers", loc, context="transformers"
        )
        call.engine_var = recv or model.var
        call.model = op.model
        call.messages = msgs if src == "chat" else None
        call.sampling = self.sampling(kw, locs)
        call.extra["prompt_is_raw_text"] = {"raw": True, "chat": False}.get(src)
        if markup:
            call.extra["prompt_has_chat_markup"] = True
        call.extra["generate_kwargs"] = {k: v for k, v in extra.items() if k != "receiver_is_peft"}
        if is_peft:
            call.extra["peft_type"] = model.data.get("peft_type")
        self.add_call(call)
        return Obj("tokens", loc, data={"source": "unknown"})

    # -- argparse -----------------------------------------------------------------------------
    def argparse_method(self, parser: Obj, meth: str, ca: CallArgs) -> Any:
        node = ca.node
        if meth == "add_argument":
            names = [a.value for a in ca.args if isinstance(a, Sc) and isinstance(a.value, str)]
            longs = [n for n in names if n.startswith("--")]
            if "dest" in ca.kwargs and isinstance(ca.kwargs["dest"], Sc):
                dest = ca.kwargs["dest"].value
            elif longs:
                dest = longs[0][2:].replace("-", "_")
            elif names and not names[0].startswith("-"):
                dest = names[0].replace("-", "_")
            elif names:
                dest = names[0].lstrip("-").replace("-", "_")
            else:
                return Sc(None, self.loc(node))
            flag = longs[0] if longs else (names[0] if names else dest)
            default = ca.kwargs.get("default")
            action = ca.kwargs.get("action")
            act = action.value if isinstance(action, Sc) else None
            if isinstance(default, Sc) and (default.resolved or default.partial is not None):
                if default.resolved and default.value is None:
                    val: Any = Sc(
                        None, default.loc, False, f"command-line option {flag} (no default)"
                    )
                else:
                    val = Sc(
                        default.value,
                        default.loc,
                        default.resolved,
                        f"default of command-line option {flag} (the command line may override it)",
                        default.partial,
                    )
            elif default is None and act in ("store_true", "store_false"):
                val = Sc(
                    act == "store_false",
                    self.loc(node),
                    True,
                    f"default of command-line flag {flag} (the command line may override it)",
                )
            else:
                val = Sc(None, self.loc(node), False, f"command-line option {flag}")
            if isinstance(dest, str):
                parser.data["options"][dest] = val
            return Sc(None, self.loc(node))
        if meth == "add_argument_group" or meth == "add_mutually_exclusive_group":
            return Obj("argparser", self.loc(node), parser.cls, data=parser.data)
        if meth == "parse_args":
            return Obj("argparse-ns", self.loc(node), data={"parser": parser})
        if meth == "parse_known_args":
            ns = Obj("argparse-ns", self.loc(node), data={"parser": parser})
            return ListV([ns, self.unknown(node)], self.loc(node), self.here, is_tuple=True)
        if meth == "set_defaults":
            for k, v in ca.kwargs.items():
                parser.data["options"][k] = v
            return Sc(None, self.loc(node))
        return None


# -- helpers -----------------------------------------------------------------------------------


def _num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _squash(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for i in items:
        if i is MORE and out and out[-1] is MORE:
            continue
        out.append(i)
    return out


def _str_part(x: Any) -> str | None:
    if isinstance(x, Sc):
        return x.text
    return None


def _has_markup(text: str | None) -> bool:
    return bool(text) and any(m in text for m in CHAT_MARKUP)  # type: ignore[operator]


def _markup_of(x: Any) -> bool:
    if isinstance(x, Sc):
        return _has_markup(x.text)
    if isinstance(x, ListV):
        return any(_markup_of(i) for i in x.items if i is not MORE)
    if isinstance(x, Obj) and x.kind == "chat-text":
        return True
    return False


def _loc_of(x: Any, default: Loc) -> Loc:
    if isinstance(x, (Sc, DictV, ListV, Obj)):
        return x.loc
    return default


def _tok_text(data: Any) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, (dict, list)):
        return json.dumps(data)
    return str(data)


def _user_function(callee: Any) -> FuncV | None:
    """The local function (or method of a local class) a call runs, if any."""
    if isinstance(callee, FuncV):
        return callee
    if isinstance(callee, ClassV):
        return callee.methods.get("__init__")
    if isinstance(callee, Member) and isinstance(callee.base, Obj) and len(callee.attrs) == 1:
        if callee.base.kind == "instance":
            return callee.base.data["class"].methods.get(callee.attrs[0])
    return None


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        # model.to(device) / model.eval(): the receiver
        if node.func.attr in _SAME_OBJECT_METHODS:
            return _dotted(node.func.value)
    return None


def _is_openai_path(attrs: tuple[str, ...]) -> bool:
    a = [x for x in attrs if x not in ("with_raw_response", "with_streaming_response")]
    if a[:1] == ["beta"]:
        a = a[1:]
    if len(a) == 3 and a[0] == "chat" and a[1] == "completions":
        return a[2] in ("create", "stream", "parse")
    if len(a) == 2 and a[0] == "completions":
        return a[1] == "create"
    return False


def _hf_class_kind(cls: str) -> str | None:
    if "Tokenizer" in cls:
        return "tokenizer"
    if "Processor" in cls:
        return "processor"
    if cls in ("AutoConfig", "GenerationConfig", "PretrainedConfig") or cls.endswith("Config"):
        return None
    if cls.startswith("AutoModel") or cls.endswith(
        ("ForCausalLM", "ForConditionalGeneration", "LMHeadModel", "ForSeq2SeqLM", "Model")
    ):
        return "model"
    return None


def _dtype(extra: dict[str, Value]) -> None:
    if "torch_dtype" in extra and "dtype" not in extra:
        extra["dtype"] = extra["torch_dtype"]


def _role_of(item: Any) -> tuple[str | None, Any]:
    if isinstance(item, DictV):
        role = item.entries.get("role")
        if isinstance(role, Sc) and role.resolved and isinstance(role.value, str):
            return role.value, item.entries.get("content")
        return None, None
    if isinstance(item, ListV) and item.is_tuple and len(item.items) == 2:
        r = item.items[0]
        if isinstance(r, Sc) and r.resolved and isinstance(r.value, str):
            role = TUPLE_ROLES.get(r.value)
            if role is not None:
                return role, item.items[1]
    return None, None


def _plain(x: Any) -> tuple[Any, bool]:
    if isinstance(x, Sc):
        return (x.value if x.resolved else None), x.resolved
    if isinstance(x, DictV):
        out, ok = {}, x.complete
        for k, v in x.entries.items():
            out[k], sub = _plain(v)
            ok = ok and sub
        return out, ok
    if isinstance(x, ListV):
        lst, ok = [], MORE not in x.items
        for i in x.items:
            if i is MORE:
                continue
            val, sub = _plain(i)
            lst.append(val)
            ok = ok and sub
        return lst, ok
    if isinstance(x, Ref) and x.qual.startswith("torch."):
        return x.qual, True
    return None, False


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if isinstance(a, Sc) and isinstance(b, Sc):
        return a.resolved and b.resolved and type(a.value) is type(b.value) and a.value == b.value
    if isinstance(a, Ref) and isinstance(b, Ref):
        return a.qual == b.qual
    return False


def _copy(x: Any, loc: Loc, depth: tuple[int, int]) -> Any:
    if isinstance(x, ListV):
        return ListV(list(x.items), x.loc, depth, x.elem, x.is_tuple)
    if isinstance(x, DictV):
        return DictV(dict(x.entries), x.loc, dict(x.key_locs), x.complete, depth)
    return x


def _merge(results: list[dict[str, tuple[Any, int]]]) -> dict[str, tuple[Any, int]]:
    """Variables after branches: kept when every path that defines it agrees (a name defined on
    some paths only keeps that value: a later use means one of those paths ran)."""
    names: set[str] = set()
    for r in results:
        names.update(r)
    out: dict[str, tuple[Any, int]] = {}
    for n in names:
        vals = [r[n] for r in results if n in r]
        first = vals[0]
        if all(v[0] is first[0] or _same(v[0], first[0]) for v in vals[1:]):
            out[n] = first
        else:
            out[n] = (AMBIG, first[1])
    return out


_DESTRUCTIVE = frozenset(
    {"clear", "insert", "pop", "remove", "sort", "reverse", "popitem", "__setitem__"}
)


def _last_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _changed_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names (last components) that some function changes in place other than by appending,
    plus `self.x` reassigned outside `__init__`; and names declared `global`/`nonlocal`.
    (Module-level code runs once, in order, before functions run, and is followed exactly.)"""
    changed: set[str] = set()
    globals_: set[str] = set()

    def visit(node: ast.AST, fn: str | None) -> None:
        for n in ast.iter_child_nodes(node):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(n, n.name)
                continue
            if fn is None:
                pass
            elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
                if n.func.attr in _DESTRUCTIVE:
                    name = _last_name(n.func.value)
                    if name:
                        changed.add(name)
            elif isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                targets = n.targets if isinstance(n, (ast.Assign, ast.Delete)) else [n.target]
                for t in targets:
                    if isinstance(t, ast.Subscript):
                        name = _last_name(t.value)
                        if name:
                            changed.add(name)
                    elif (
                        isinstance(t, ast.Attribute)
                        and isinstance(t.value, ast.Name)
                        and t.value.id == "self"
                        and fn not in (None, "__init__")
                    ):
                        changed.add(t.attr)
            elif isinstance(n, (ast.Global, ast.Nonlocal)):
                globals_.update(n.names)
                changed.update(n.names)
            visit(n, fn)

    visit(tree, None)
    return changed, globals_


def _assigned_names(stmts: list[ast.stmt]) -> set[str]:
    out: set[str] = set()
    for st in stmts:
        for node in _walk_no_defs(st):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                out.add(node.id)
    return out


def _walk_no_defs(node: ast.AST):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        for c in ast.iter_child_nodes(n):
            if isinstance(c, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            stack.append(c)


def _is_generator(fn: ast.AST) -> bool:
    for st in getattr(fn, "body", []):
        for n in _walk_no_defs(st):
            if isinstance(n, (ast.Yield, ast.YieldFrom)):
                return True
    return False


_MUTATORS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "pop",
        "remove",
        "clear",
        "sort",
        "reverse",
        "update",
        "setdefault",
        "popitem",
    }
)


def _may_mutate(fn: ast.AST) -> bool:
    """Whether a local function may change a list or dict passed to it (syntactically)."""
    args = getattr(fn, "args", None)
    if args is None:
        return True
    params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    body = getattr(fn, "body", [])
    if not isinstance(body, list):
        body = [body]
    for st in body:
        for n in _walk_no_defs(st):
            if isinstance(n, ast.Call):
                f = n.func
                if (
                    isinstance(f, ast.Attribute)
                    and isinstance(f.value, ast.Name)
                    and f.value.id in params
                    and f.attr in _MUTATORS
                ):
                    return True
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
                if name not in NON_MUTATING:
                    for a in [*n.args, *(k.value for k in n.keywords)]:
                        if isinstance(a, ast.Name) and a.id in params:
                            return True
            elif isinstance(n, (ast.Assign, ast.AugAssign, ast.Delete)):
                targets = n.targets if isinstance(n, (ast.Assign, ast.Delete)) else [n.target]
                for t in targets:
                    if (
                        isinstance(t, ast.Subscript)
                        and isinstance(t.value, ast.Name)
                        and t.value.id in params
                    ):
                        return True
                    if isinstance(n, ast.AugAssign) and isinstance(t, ast.Name) and t.id in params:
                        return True
    return False
