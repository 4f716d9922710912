#!/usr/bin/env python3
"""Snapshot LMDeploy's built-in chat templates, version by version, into a data file.

Reads ``lmdeploy/model.py`` (and, for a few selection facts, ``lmdeploy/serve/async_engine.py``)
at every release tag of a local bare clone of ``InternLM/lmdeploy`` from v0.5.3 to the newest,
parses it with :mod:`ast` (never imports or runs LMDeploy) and writes
``deploylint/data/lmdeploy_templates.json``:

* per version range (identical consecutive releases merged): the ``MODELS`` registry order that
  ``best_match_model``/``get_chat_template`` iterates, what the selection returns, the fallback;
* per registered template name: class and base classes, the attributes an instance gets from the
  ``__init__`` defaults (``system``, ``meta_instruction``, ``eosys``, ``user``, ``eoh``,
  ``assistant``, ``eoa``, ``separator``, ``stop_words``, ``tool``/``eotool`` …), which attribute a
  ``ChatTemplateConfig`` field overrides, the ``match()`` rule as data, and a render spec (which
  prompt-building algorithm ``messages2prompt`` implements, with wrappers such as a BOS prefix);
* source tag, commit and line for every template.

``match()`` bodies are translated from the AST into ordered rules over the lower-cased model path.
Bodies the translator cannot express, and every ``messages2prompt`` implementation, are mapped by
a fingerprint of their source text to hand-written specs (``HAND_MATCH`` / ``RENDER_IMPLS``) that
were written after reading that exact source. An unknown fingerprint stops the script, so a new
upstream release cannot silently produce wrong data.

Usage::

    python scripts/snapshot_lmdeploy_templates.py --git-dir /path/to/lmdeploy.git
    python scripts/snapshot_lmdeploy_templates.py --check   # exit 1 if the data file is stale
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = "InternLM/lmdeploy"
MODEL_PY = "lmdeploy/model.py"
FIRST_TAG = "v0.5.3"
DEFAULT_GIT_DIR = "/work/.mirror/InternLM+lmdeploy/repo"
ROOT = Path(__file__).resolve().parents[1]
# key of the template a --chat-template JSON with an unregistered model_name becomes
CUSTOM = "<unregistered>"
DEFAULT_OUT = ROOT / "deploylint" / "data" / "lmdeploy_templates.json"

# Attributes reported for every template (plus any other plain attribute the class sets).
CORE_ATTRS = [
    "system",
    "meta_instruction",
    "eosys",
    "user",
    "eoh",
    "assistant",
    "eoa",
    "separator",
    "stop_words",
    "tool",
    "eotool",
    "capability",
]

# --------------------------------------------------------------------------------------------
# Hand-reviewed knowledge, keyed by "Class.method:<fingerprint>".
# The fingerprint is sha1 of the method's source text without its docstring, whitespace
# collapsed (see `fingerprint`). Each entry was written after reading that exact source.
# --------------------------------------------------------------------------------------------


# messages2prompt implementations. "algo" names a prompt-building algorithm implemented by
# deploylint/engines/lmdeploy_templates.py; "wrap" means the method post-processes
# super().messages2prompt(...) (the walk then continues with the parent class).
#   algo base      BaseChatTemplate.messages2prompt: [system+meta_instruction+eosys if the first
#                  message is not a system message] then box+content+eox per message; a final
#                  assistant message is left open (its eoa+separator cut off), else the
#                  assistant prefix is appended.
#     options.get_text        list content -> text of its first part (else str(content))
#     options.tool_role       'tool' messages allowed (box tool/eotool); else KeyError upstream
#     options.last_assistant  'cut_eox' (ret[:-len(eoa+separator)], '' when that is empty),
#                             'cut_eox_if_nonempty' (when empty: append the assistant prefix),
#                             'cut_eox_or_keep' (when empty: return as is)
#   algo base_model   BaseModel.messages2prompt: returns None for a message list (no chat format)
#   algo internlm2    like base with environment/tool roles and name=plugin|interpreter headers
#   algo llama3_1     like base; the injected system block carries `knowledge`, assistant
#                     messages with <|python_tag|> or </function> end in <|eom_id|>, BOS prefix
#   algo qwen2d5      system block from messages[0] when it is a system message, every turn
#                     closed with eosys, assistant prefix always appended
#   algo chatglm2     "[Round n]\n\n" + _user + content + _eoh + _assistant per user turn
#   algo interns1     InternLM2 layout; meta_instruction unless enable_thinking is False;
#                     "<think>" appended unless enable_thinking is False
#   algo hf           transformers apply_chat_template of the model's tokenizer (not rendered)
#   algo external     a separate encoder module (not rendered)
#   wrap prefix / prefix_attr / suffix / suffix_if_no_thinking / strip_last_char /
#        strip_last_char_unless_assistant_last
def _base(get_text: bool, tool_role: bool, last_assistant: str) -> dict[str, Any]:
    return {
        "algo": "base",
        "options": {"get_text": get_text, "tool_role": tool_role, "last_assistant": last_assistant},
    }


def _algo(algo: str, **options: Any) -> dict[str, Any]:
    return {"algo": algo, "options": options} if options else {"algo": algo}


_STRIP = {"wrap": {"op": "strip_last_char"}}
RENDER_IMPLS: dict[str, dict[str, Any]] = {
    # BaseModel (<= v0.9.2, the 'base' template): abstract, None for a message list.
    "BaseModel.messages2prompt:fbf5deda2044": _algo("base_model"),
    # BaseChatTemplate
    "BaseChatTemplate.messages2prompt:87d5245c19c1": _base(False, False, "cut_eox"),  # ..0.6.2
    "BaseChatTemplate.messages2prompt:4d606d968048": _base(True, False, "cut_eox"),  # 0.6.3..0.6.5
    "BaseChatTemplate.messages2prompt:0d2b477611a4": _base(True, True, "cut_eox"),  # 0.7.0..0.7.2
    "BaseChatTemplate.messages2prompt:1cde3cb7d8b9": _base(True, True, "cut_eox_if_nonempty"),
    "BaseChatTemplate.messages2prompt:6f6df019ba77": _base(True, True, "cut_eox_or_keep"),  # 0.15+
    # `return super().messages2prompt(...)[:-1]` (Vicuna family, Deepseek, InternVLZH, DeepseekVL*)
    "Llavav1.messages2prompt:f16805025e2d": _STRIP,
    "MiniGemini.messages2prompt:f16805025e2d": _STRIP,
    "Deepseek.messages2prompt:f16805025e2d": _STRIP,
    "InternVLZH.messages2prompt:f16805025e2d": _STRIP,
    "DeepseekVL.messages2prompt:f16805025e2d": _STRIP,
    "Vicuna.messages2prompt:6aeece4ffe5f": _STRIP,
    "Deepseek.messages2prompt:6aeece4ffe5f": _STRIP,
    "InternVLZH.messages2prompt:6aeece4ffe5f": _STRIP,
    "DeepseekVL.messages2prompt:6aeece4ffe5f": _STRIP,
    "DeepseekVL2.messages2prompt:6aeece4ffe5f": _STRIP,
    # v0.15+: the last character is cut only when the last message is not an assistant message
    "Vicuna.messages2prompt:e28e41638d5c": {
        "wrap": {"op": "strip_last_char_unless_assistant_last"}
    },
    "InternVLZH.messages2prompt:e28e41638d5c": {
        "wrap": {"op": "strip_last_char_unless_assistant_last"}
    },
    "DeepseekVL.messages2prompt:e28e41638d5c": {
        "wrap": {"op": "strip_last_char_unless_assistant_last"}
    },
    "DeepseekVL2.messages2prompt:e28e41638d5c": {
        "wrap": {"op": "strip_last_char_unless_assistant_last"}
    },
    # BOS-style prefixes (value = the method's only string literal)
    "Llama3.messages2prompt:2ae7e1e30918": {"wrap": {"op": "prefix"}},
    "Deepseek.messages2prompt:52f0d161f484": {"wrap": {"op": "prefix"}},
    "DeepseekV3.messages2prompt:52f0d161f484": {"wrap": {"op": "prefix"}},
    "ChatGLM3.messages2prompt:7e7472550b69": {"wrap": {"op": "prefix_attr", "attr": "start"}},
    # suffixes
    "DeepseekR1.messages2prompt:9bff9ad11459": {"wrap": {"op": "suffix"}},
    "QwQ.messages2prompt:3ff568f53c85": {"wrap": {"op": "suffix"}},
    "Qwen3.messages2prompt:8a108d409521": {"wrap": {"op": "suffix_if_no_thinking"}},
    # InternLM2Chat7B: 0.5.3 (no tool role), 0.6.0-0.6.2 (tool role, raw content),
    # 0.6.3-0.7.0.post3 and 0.7.1-0.9.2 (get_text; tool_calls handling differs only)
    "InternLM2Chat7B.messages2prompt:f95f2bd8b5e6": _algo(
        "internlm2", get_text=False, tool_role=False
    ),
    "InternLM2Chat7B.messages2prompt:229f25b05414": _algo(
        "internlm2", get_text=False, tool_role=True
    ),
    "InternLM2Chat7B.messages2prompt:2bc9174785de": _algo(
        "internlm2", get_text=True, tool_role=True
    ),
    "InternLM2Chat7B.messages2prompt:32b00027d513": _algo(
        "internlm2", get_text=True, tool_role=True
    ),
    # Llama3_1: tools/eotools renamed tool/eotool in 0.7.0 (only matters with tools)
    "Llama3_1.messages2prompt:ccb8deac80ea": _algo("llama3_1", get_text=False, tool_role=False),
    "Llama3_1.messages2prompt:f2eaa3d94ac6": _algo("llama3_1", get_text=False, tool_role=True),
    "Llama3_1.messages2prompt:ae5e49fa3b80": _algo("llama3_1", get_text=True, tool_role=True),
    "Llama3_1.messages2prompt:190b3d39959b": _algo("llama3_1", get_text=True, tool_role=True),
    # ChatGLM2 ("[Round n]")
    "ChatGLM2.messages2prompt:0580250144ee": _algo("chatglm2", get_text=False),
    "ChatGLM2.messages2prompt:08356497fc36": _algo("chatglm2", get_text=True),
    "ChatGLM2.messages2prompt:357509005e66": _algo("chatglm2", get_text=True),
    # Qwen2d5Chat (tool_calls argument parsing changes in 0.7.1; get_text in 0.9.2)
    "Qwen2d5Chat.messages2prompt:96052e1dd2b4": _algo("qwen2d5", get_text=False),
    "Qwen2d5Chat.messages2prompt:593e2ec5dbae": _algo("qwen2d5", get_text=False),
    "Qwen2d5Chat.messages2prompt:cef79d40b23d": _algo("qwen2d5", get_text=False),
    "Qwen2d5Chat.messages2prompt:5445d9e591d1": _algo("qwen2d5", get_text=True),
    "InternS1.messages2prompt:ad9dbab42b0b": _algo("interns1"),
    # >= v0.10: transformers' apply_chat_template; DeepSeek-V3.2/V4 use separate encoders
    "HFChatTemplate.messages2prompt:21a27b714428": _algo("hf"),
    "HFChatTemplate.messages2prompt:b16ce68b4bcd": _algo("hf"),
    "HFChatTemplate.messages2prompt:fdddb7bd9d0f": _algo("hf"),
    "HFChatTemplate.messages2prompt:205512a2de0c": _algo("hf"),
    "HFChatTemplate.messages2prompt:5c8cd3f2e7b0": _algo("hf"),
    "DeepseekV4ChatTemplate.messages2prompt:4e4d4e137f6a": _algo("external"),
    "DeepseekV32ChatTemplate.messages2prompt:4ba9ead81a8f": _algo("external"),
}

# match() bodies that are not path tests (the AST translator refuses them); read and encoded.
_HF_NOTE = (
    "HFChatTemplate.match instantiates the class: AutoTokenizer.from_pretrained(model_path) and "
    "apply_chat_template must work, i.e. the tokenizer has a chat template ({extra}). Any "
    "exception means no match. It is the last registry entry, so every path-name template wins "
    "over it."
)
HAND_MATCH: dict[str, dict[str, Any]] = {
    "HFChatTemplate.match:c36e259205e3": {
        "rules": [{"when": {"hf_chat_template": True}, "returns": "hf"}],
        "note": _HF_NOTE.format(
            extra="tokenizer only; v0.10-v0.12 load it with trust_remote_code=True"
        ),
    },
    "HFChatTemplate.match:508f8effc5aa": {
        "rules": [{"when": {"hf_chat_template": True}, "returns": "hf"}],
        "note": _HF_NOTE.format(
            extra="from v0.14 a processor's chat_template is used when the "
            "tokenizer has none; trust_remote_code follows the CLI flag"
        ),
    },
    "DeepseekV4ChatTemplate.match:4ede07c1fc43": {
        "rules": [
            {
                "when": {
                    "any": [
                        {"config_architecture": "DeepseekV4ForCausalLM"},
                        {"config_model_type": "deepseek_v4"},
                    ]
                },
                "returns": "deepseek-v4",
            }
        ],
        "note": "Reads the model config (get_model_arch, else config.json): architectures[0] or "
        "model_type, not the path.",
    },
    "DeepseekV32ChatTemplate.match:802da8a41ace": {
        "rules": [
            {
                "when": {
                    "any": [
                        {"config_architecture": "DeepseekV32ForCausalLM"},
                        {"config_model_type": "deepseek_v32"},
                    ]
                },
                "returns": "deepseek-v32",
            }
        ],
        "note": "Reads the model config (get_model_arch, else config.json): architectures[0] or "
        "model_type, not the path.",
    },
}

# --------------------------------------------------------------------------------------------
# git helpers
# --------------------------------------------------------------------------------------------


def git(git_dir: str, *args: str) -> str:
    return subprocess.check_output(
        ["git", f"--git-dir={git_dir}", *args], stderr=subprocess.DEVNULL
    ).decode("utf-8")


_TAG_RE = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(?:\.post(\d+))?")


def version_key(tag: str) -> tuple[int, int, int, int]:
    m = _TAG_RE.fullmatch(tag)
    assert m, tag
    a, b, c, post = m.groups()
    return int(a), int(b), int(c), int(post) if post is not None else -1


def release_tags(git_dir: str) -> list[str]:
    """Final and post releases (alpha/rc tags skipped), sorted, from FIRST_TAG on."""
    tags = [t for t in git(git_dir, "tag").split() if _TAG_RE.fullmatch(t)]
    tags.sort(key=version_key)
    return [t for t in tags if version_key(t) >= version_key(FIRST_TAG)]


def show(git_dir: str, tag: str, path: str) -> str | None:
    try:
        return git(git_dir, "show", f"refs/tags/{tag}:{path}")
    except subprocess.CalledProcessError:
        return None


# --------------------------------------------------------------------------------------------
# AST helpers
# --------------------------------------------------------------------------------------------


def strip_docstring(fn: ast.FunctionDef) -> list[ast.stmt]:
    body = list(fn.body)
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    return body


def _canon(node: Any) -> Any:
    """A formatting- and Python-version-independent rendering of an AST subtree."""
    if isinstance(node, ast.AST):
        out: list[Any] = [type(node).__name__]
        for field in node._fields:
            if field in ("ctx", "type_comment", "kind", "type_params"):
                continue
            value = getattr(node, field, None)
            if value is None or value == []:
                continue
            out.append([field, _canon(value)])
        return out
    if isinstance(node, list):
        return [_canon(v) for v in node]
    return repr(node)


def fingerprint(src: str, fn: ast.FunctionDef) -> str:
    """sha1 (12 hex) of the method's AST (arguments and body, docstring and decorators left out),
    so reformatting upstream does not change it; any change of code does."""
    del src
    canon = [_canon(fn.args), _canon(strip_docstring(fn))]
    return hashlib.sha1(json.dumps(canon).encode("utf-8")).hexdigest()[:12]


def methods(cls: ast.ClassDef) -> dict[str, ast.FunctionDef]:
    return {f.name: f for f in cls.body if isinstance(f, ast.FunctionDef)}


def register_names(dec: ast.expr) -> list[str] | None:
    """Names registered by `@MODELS.register_module(name=...)`, in registration order."""
    if not (
        isinstance(dec, ast.Call)
        and isinstance(dec.func, ast.Attribute)
        and dec.func.attr == "register_module"
        and isinstance(dec.func.value, ast.Name)
        and dec.func.value.id == "MODELS"
    ):
        return None
    arg: ast.expr | None = None
    for kw in dec.keywords:
        if kw.arg == "name":
            arg = kw.value
    if arg is None and dec.args:
        arg = dec.args[0]
    if arg is None:
        raise ValueError("register_module without a name is not expected in model.py")
    value = ast.literal_eval(arg)
    return [value] if isinstance(value, str) else list(value)


class ClassInfo:
    def __init__(self, node: ast.ClassDef, base: int | None, index: int) -> None:
        self.node = node
        self.name = node.name
        self.base = base  # index into the class list, None for object
        self.index = index
        self.methods = methods(node)


# --------------------------------------------------------------------------------------------
# __init__ interpretation: which attributes an instance ends up with
# --------------------------------------------------------------------------------------------


class Unresolved(Exception):
    pass


# module-level functions of the file being read (set per tag), for defaults such as
# `meta_instruction=dbrx_system_prompt()`
MODULE_FUNCS: dict[str, ast.FunctionDef] = {}


def eval_default(node: ast.expr) -> Any:
    """literal_eval, plus calls of argument-less module functions that only build a string."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and not node.args
        and node.func.id in MODULE_FUNCS
    ):
        return _run_string_builder(MODULE_FUNCS[node.func.id])
    return ast.literal_eval(node)


def _str_expr(node: ast.expr, local: dict[str, str]) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in local:
        return local[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _str_expr(node.left, local) + _str_expr(node.right, local)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("upper", "lower", "strip")
        and not node.args
    ):
        return getattr(_str_expr(node.func.value, local), node.func.attr)()
    raise Unresolved(ast.unparse(node))


def _run_string_builder(fn: ast.FunctionDef) -> str:
    local: dict[str, str] = {}
    for st in strip_docstring(fn):
        if isinstance(st, ast.Assign) and isinstance(st.targets[0], ast.Name):
            local[st.targets[0].id] = _str_expr(st.value, local)
        elif (
            isinstance(st, ast.AugAssign)
            and isinstance(st.op, ast.Add)
            and isinstance(st.target, ast.Name)
        ):
            local[st.target.id] = local[st.target.id] + _str_expr(st.value, local)
        elif isinstance(st, ast.Return) and st.value is not None:
            return _str_expr(st.value, local)
        else:
            raise Unresolved(f"{fn.name}: {ast.unparse(st)[:60]}")
    raise Unresolved(f"{fn.name}: no return")


_MISSING = object()


def _eval(expr: ast.expr, local: dict[str, Any], attrs: dict[str, Any]) -> Any:
    if isinstance(expr, ast.Constant):
        return expr.value
    if isinstance(expr, ast.Name):
        if expr.id in local:
            return local[expr.id]
        if expr.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[expr.id]
        raise Unresolved(f"name {expr.id}")
    if isinstance(expr, (ast.List, ast.Tuple)):
        return [_eval(e, local, attrs) for e in expr.elts]
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        if expr.value.id == "self" and expr.attr in attrs:
            return attrs[expr.attr]
        raise Unresolved(ast.unparse(expr))
    if isinstance(expr, ast.BoolOp):
        values = [_eval(v, local, attrs) for v in expr.values]
        result = values[0]
        for v in values[1:]:
            if isinstance(expr.op, ast.Or):
                result = result or v
            else:
                result = result and v
        return result
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1:
        left = _eval(expr.left, local, attrs)
        right = _eval(expr.comparators[0], local, attrs)
        op = expr.ops[0]
        if isinstance(op, ast.Eq):
            return left == right
        if isinstance(op, ast.NotEq):
            return left != right
        if isinstance(op, ast.Is):
            return left is right
        if isinstance(op, ast.IsNot):
            return left is not right
        if isinstance(op, ast.In):
            return left in right
        if isinstance(op, ast.NotIn):
            return left not in right
    raise Unresolved(ast.unparse(expr))


def _super_target(call: ast.Call, current: ClassInfo, classes: list[ClassInfo]) -> int | None:
    """Index of the class whose __init__ a super().__init__ / super(X, self).__init__ reaches."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
        return -1
    inner = func.value
    if (
        isinstance(inner, ast.Call)
        and isinstance(inner.func, ast.Name)
        and inner.func.id == "super"
    ):
        if not inner.args:
            return current.base
        named = inner.args[0]
        assert isinstance(named, ast.Name)
        # super(X, self): start after X in the MRO (single inheritance here).
        idx: int | None = current.index
        while idx is not None and classes[idx].name != named.id:
            idx = classes[idx].base
        if idx is None:
            raise Unresolved(f"super({named.id}) not in MRO of {current.name}")
        return classes[idx].base
    return -1


def instantiate(
    idx: int | None,
    args: list[Any],
    kwargs: dict[str, Any],
    classes: list[ClassInfo],
    attrs: dict[str, Any],
    notes: list[str],
) -> None:
    """Interpret Class.__init__(self, *args, **kwargs), writing self.<attr> into `attrs`."""
    if idx is None:
        return
    cls = classes[idx]
    fn = cls.methods.get("__init__")
    if fn is None:
        instantiate(cls.base, args, kwargs, classes, attrs, notes)
        return
    params = [a.arg for a in fn.args.args][1:]
    defaults = fn.args.defaults
    default_map: dict[str, Any] = {}
    for name, d in zip(params[len(params) - len(defaults) :], defaults, strict=True):
        default_map[name] = eval_default(d)
    local: dict[str, Any] = {}
    rest_kwargs = dict(kwargs)
    for i, name in enumerate(params):
        if i < len(args):
            local[name] = args[i]
        elif name in rest_kwargs:
            local[name] = rest_kwargs.pop(name)
        elif name in default_map:
            local[name] = copy.deepcopy(default_map[name])
        else:
            raise Unresolved(f"{cls.name}.__init__ missing {name}")
    if fn.args.kwarg is not None:
        local[fn.args.kwarg.arg] = rest_kwargs
    elif rest_kwargs:
        raise Unresolved(f"{cls.name}.__init__ got unexpected {sorted(rest_kwargs)}")
    _exec_block(strip_docstring(fn), cls, classes, local, attrs, notes)


def _exec_block(
    body: list[ast.stmt],
    cls: ClassInfo,
    classes: list[ClassInfo],
    local: dict[str, Any],
    attrs: dict[str, Any],
    notes: list[str],
) -> None:
    for st in body:
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
            target = _super_target(st.value, cls, classes)
            if target == -1:
                raise Unresolved(ast.unparse(st))
            call_args = [_eval(a, local, attrs) for a in st.value.args]
            call_kwargs: dict[str, Any] = {}
            for kw in st.value.keywords:
                if kw.arg is None:
                    call_kwargs.update(_eval(kw.value, local, attrs))
                else:
                    call_kwargs[kw.arg] = _eval(kw.value, local, attrs)
            instantiate(target, call_args, call_kwargs, classes, attrs, notes)
        elif isinstance(st, ast.Assign) and len(st.targets) == 1:
            tgt = st.targets[0]
            value = _eval(st.value, local, attrs)
            if (
                isinstance(tgt, ast.Attribute)
                and isinstance(tgt.value, ast.Name)
                and tgt.value.id == "self"
            ):
                attrs[tgt.attr] = value
            elif isinstance(tgt, ast.Name):
                local[tgt.id] = value
            else:
                raise Unresolved(ast.unparse(st))
        elif isinstance(st, ast.Assert):
            continue
        elif isinstance(st, ast.If):
            branch = st.body if _eval(st.test, local, attrs) else st.orelse
            _exec_block(branch, cls, classes, local, attrs, notes)
        elif isinstance(st, ast.Try):
            # HFChatTemplate: loads a tokenizer from the model path at run time.
            notes.append(f"{cls.name}.__init__ loads the tokenizer at run time (not interpreted)")
        else:
            raise Unresolved(f"{cls.name}.__init__: {ast.unparse(st)[:80]}")


def template_attrs(idx: int, classes: list[ClassInfo], overrides: dict[str, Any]) -> dict:
    attrs: dict[str, Any] = {}
    notes: list[str] = []
    instantiate(idx, [], dict(overrides), classes, attrs, notes)
    return attrs


# --------------------------------------------------------------------------------------------
# match() translation: ordered rules {"when": <expr>, "returns": name|None}
#   expr: {"contains": s} | {"not_contains": s} | {"startswith": s} | {"endswith": s}
#         | {"all": [expr...]} | {"any": [expr...]} | {"not": expr} | {"always": true}
#         (all on the lower-cased model path unless "case": "raw")
#         hand-encoded only: {"config_architecture": s} | {"config_model_type": s}
#         | {"hf_chat_template": true}
# --------------------------------------------------------------------------------------------


class NotTranslatable(Exception):
    pass


TRUE: dict[str, Any] = {"always": True}


def _and(*parts: dict) -> dict:
    flat: list[dict] = []
    for p in parts:
        if p == TRUE:
            continue
        if "all" in p and len(p) == 1:
            flat.extend(p["all"])
        else:
            flat.append(p)
    if not flat:
        return TRUE
    if len(flat) == 1:
        return flat[0]
    return {"all": flat}


def _not(e: dict) -> dict:
    if "contains" in e and len(e) == 1:
        return {"not_contains": e["contains"]}
    if "not_contains" in e and len(e) == 1:
        return {"contains": e["not_contains"]}
    if "not" in e:
        return e["not"]
    if "any" in e and len(e) == 1:
        return _and(*[_not(x) for x in e["any"]])
    return {"not": e}


class MatchTranslator:
    def __init__(self, fn: ast.FunctionDef) -> None:
        self.fn = fn
        params = [a.arg for a in fn.args.args]
        if params[0] != "cls" or len(params) < 2:
            raise NotTranslatable("unexpected signature")
        self.env: dict[str, str] = {params[1]: "raw"}

    def path_kind(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name) and node.id in self.env:
            return self.env[node.id]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "lower"
            and not node.args
            and self.path_kind(node.func.value) is not None
        ):
            return "lower"
        return None

    def atom(self, op: str, value: str, kind: str) -> dict:
        if kind == "raw" and value != value.lower():
            return {op: value, "case": "raw"}
        if kind == "raw":
            # a lower-case needle in the raw path: only equal to the lower-cased test when the
            # path has no upper-case letters there. Keep the distinction explicit.
            return {op: value, "case": "raw"}
        return {op: value}

    def expr(self, node: ast.expr) -> dict:
        if isinstance(node, ast.BoolOp):
            parts = [self.expr(v) for v in node.values]
            if isinstance(node.op, ast.And):
                return _and(*parts)
            return {"any": parts}
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return _not(self.expr(node.operand))
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            kind = self.path_kind(node.comparators[0])
            if kind is not None and isinstance(node.left, ast.Constant):
                needle = node.left.value
                if isinstance(node.ops[0], ast.In):
                    return self.atom("contains", needle, kind)
                if isinstance(node.ops[0], ast.NotIn):
                    return self.atom("not_contains", needle, kind)
            raise NotTranslatable(ast.unparse(node))
        if isinstance(node, ast.Call):
            f = node.func
            if (
                isinstance(f, ast.Attribute)
                and f.attr in ("startswith", "endswith")
                and self.path_kind(f.value) is not None
            ):
                arg = ast.literal_eval(node.args[0])
                kind = self.path_kind(f.value) or "lower"
                if isinstance(arg, tuple):
                    return {"any": [self.atom(f.attr, a, kind) for a in arg]}
                return self.atom(f.attr, arg, kind)
            if isinstance(f, ast.Name) and f.id in ("all", "any") and len(node.args) == 1:
                gen = node.args[0]
                if isinstance(gen, (ast.ListComp, ast.GeneratorExp)) and len(gen.generators) == 1:
                    comp = gen.generators[0]
                    if isinstance(comp.target, ast.Name) and not comp.ifs:
                        items = ast.literal_eval(comp.iter)
                        parts = []
                        for item in items:
                            sub = _Substitute(comp.target.id, item).visit(copy.deepcopy(gen.elt))
                            parts.append(self.expr(sub))
                        return _and(*parts) if f.id == "all" else {"any": parts}
            raise NotTranslatable(ast.unparse(node))
        raise NotTranslatable(ast.unparse(node))

    def block(self, body: list[ast.stmt]) -> tuple[list[dict], bool]:
        """Rules for a statement list; bool = the block always returns."""
        rules: list[dict] = []
        for st in body:
            if isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant):
                continue
            if isinstance(st, ast.Assign) and len(st.targets) == 1:
                tgt = st.targets[0]
                kind = self.path_kind(st.value)
                if isinstance(tgt, ast.Name) and kind is not None:
                    self.env[tgt.id] = kind
                    continue
                raise NotTranslatable(ast.unparse(st))
            if isinstance(st, ast.Return):
                value = None if st.value is None else self.return_value(st.value)
                rules.append({"when": TRUE, "returns": value})
                return rules, True
            if isinstance(st, ast.If):
                cond = self.expr(st.test)
                body_rules, body_returns = self.block(st.body)
                else_rules, else_returns = self.block(st.orelse)
                for r in body_rules:
                    rules.append({"when": _and(cond, r["when"]), "returns": r["returns"]})
                ncond = _not(cond)
                for r in else_rules:
                    rules.append({"when": _and(ncond, r["when"]), "returns": r["returns"]})
                if body_returns and else_returns:
                    return rules, True
                continue
            raise NotTranslatable(ast.unparse(st)[:80])
        return rules, False

    def return_value(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str)):
            return node.value
        raise NotTranslatable(ast.unparse(node))

    def translate(self) -> list[dict]:
        rules, _ = self.block(strip_docstring(self.fn))
        # drop trailing "return None" rules: falling off the end also means no match
        while rules and rules[-1]["returns"] is None and rules[-1]["when"] == TRUE:
            rules.pop()
        return rules


class _Substitute(ast.NodeTransformer):
    def __init__(self, name: str, value: str) -> None:
        self.name, self.value = name, value

    def visit_Name(self, node: ast.Name) -> ast.AST:  # noqa: N802 (ast API)
        if node.id == self.name:
            return ast.copy_location(ast.Constant(self.value), node)
        return node


# --------------------------------------------------------------------------------------------
# per-tag extraction
# --------------------------------------------------------------------------------------------


def parse_classes(tree: ast.Module) -> list[ClassInfo]:
    classes: list[ClassInfo] = []
    binding: dict[str, int] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        if len(node.bases) > 1:
            raise ValueError(f"{node.name}: multiple inheritance not expected")
        base = None
        if node.bases:
            b = node.bases[0]
            assert isinstance(b, ast.Name), ast.unparse(b)
            base = binding.get(b.id)
            if base is None and b.id != "object":
                raise ValueError(f"{node.name}: unknown base {b.id}")
        info = ClassInfo(node, base, len(classes))
        classes.append(info)
        binding[node.name] = info.index  # later definitions rebind the name, like Python does
    return classes


def registry_order(classes: list[ClassInfo]) -> list[tuple[str, int]]:
    """(name, class index) in MODELS.module_dict order: decorators apply bottom-up."""
    order: list[tuple[str, int]] = []
    seen: set[str] = set()
    for info in classes:
        for dec in reversed(info.node.decorator_list):
            names = register_names(dec)
            if names is None:
                continue
            for n in names:
                if n in seen:
                    raise ValueError(f"name {n} registered twice")  # mmengine raises KeyError
                seen.add(n)
                order.append((n, info.index))
    return order


def mro(idx: int, classes: list[ClassInfo]) -> list[int]:
    out = []
    cur: int | None = idx
    while cur is not None:
        out.append(cur)
        cur = classes[cur].base
    return out


def render_spec(idx: int, classes: list[ClassInfo], src: str, unknown: list[str]) -> dict:
    wrappers: list[dict] = []
    impls: list[str] = []
    cur: int | None = idx
    while cur is not None:
        info = classes[cur]
        fn = info.methods.get("messages2prompt")
        if fn is None:
            cur = info.base
            continue
        key = f"{info.name}.messages2prompt:{fingerprint(src, fn)}"
        impls.append(key)
        spec = RENDER_IMPLS.get(key)
        if spec is None:
            unknown.append(key)
            return {"algo": "unreviewed", "impl": impls}
        if "wrap" in spec:
            w = dict(spec["wrap"])
            if w["op"] in ("prefix", "suffix", "suffix_if_no_thinking") and "value" not in w:
                w["value"] = _single_literal(fn)
            wrappers.append(w)
            cur = info.base
            continue
        out = {"algo": spec["algo"]}
        if "options" in spec:
            out["options"] = spec["options"]
        # wrappers were collected outermost first; apply innermost first
        out["wrappers"] = list(reversed(wrappers))
        out["impl"] = impls
        return out
    raise ValueError(f"{classes[idx].name}: no messages2prompt in MRO")


def _single_literal(fn: ast.FunctionDef) -> str:
    """The one non-docstring string literal of a prefix/suffix wrapper."""
    values = {
        n.value
        for st in strip_docstring(fn)
        for n in ast.walk(st)
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }
    if len(values) != 1:
        raise ValueError(f"{fn.name}: expected one string literal, got {values}")
    return values.pop()


def match_spec(
    idx: int, classes: list[ClassInfo], src: str, hand_used: dict[str, list[str]], tag: str
) -> dict:
    for cur in mro(idx, classes):
        info = classes[cur]
        fn = info.methods.get("match")
        if fn is None:
            continue
        key = f"{info.name}.match:{fingerprint(src, fn)}"
        if key in HAND_MATCH:
            hand_used.setdefault(key, []).append(tag)
            entry = HAND_MATCH[key]
            return {
                "rules": entry["rules"],
                "encoding": "hand",
                "note": entry["note"],
                "defined_in": info.name,
                "impl": key,
            }
        try:
            rules = MatchTranslator(fn).translate()
        except NotTranslatable as exc:
            raise SystemExit(
                f"{tag}: cannot translate {key} (line {fn.lineno}): {exc}\n"
                "Read the source and add a HAND_MATCH entry."
            ) from exc
        return {
            "rules": rules,
            "encoding": "ast",
            "defined_in": info.name,
            "impl": key,
        }
    raise ValueError("no match()")


def override_map(idx: int, classes: list[ClassInfo], fields: list[str]) -> dict[str, list[str]]:
    """ChatTemplateConfig fields whose value does NOT land in the same-named attribute only:
    field -> the attributes that receive it ([] = ignored). Fields not listed override the
    attribute of the same name."""
    out: dict[str, list[str]] = {}
    for f in fields:
        if f in ("model_name", "model_path"):
            continue
        sentinel = f"\x00{f}\x00"
        try:
            attrs = template_attrs(idx, classes, {f: sentinel})
        except Unresolved:
            out[f] = []
            continue
        got = sorted(k for k, v in attrs.items() if v == sentinel)
        if got != [f]:
            out[f] = got
    return out


def dataclass_fields(tree: ast.Module, name: str) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return [
                st.target.id
                for st in node.body
                if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name)
            ]
    return []


def module_list(tree: ast.Module, name: str) -> list[str] | None:
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == name
        ):
            return list(ast.literal_eval(node.value))
    return None


def selection_semantics(tree: ast.Module) -> dict:
    """How the first matching registry entry turns into a template name."""
    for fname in ("get_chat_template", "best_match_model"):
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == fname:
                loops = [n for n in ast.walk(node) if isinstance(n, ast.For)]
                if not loops:
                    continue
                loop = loops[0]
                target = loop.target
                assert isinstance(target, ast.Tuple) and isinstance(target.elts[0], ast.Name)
                key_var = target.elts[0].id
                uses_key = False
                for n in ast.walk(loop):
                    if isinstance(n, (ast.Return, ast.Assign)):
                        value = n.value
                        if isinstance(value, ast.Name) and value.id == key_var:
                            uses_key = True
                fallback = None
                for n in ast.walk(node):
                    if isinstance(n, (ast.Return, ast.Assign)) and isinstance(
                        n.value, ast.Constant
                    ):
                        if isinstance(n.value.value, str):
                            fallback = n.value.value
                return {
                    "function": fname,
                    "line": node.lineno,
                    "returns": "registry_key" if uses_key else "match_value",
                    "fallback": fallback,
                }
    raise ValueError("no selection function")


def engine_facts(git_dir: str, tag: str) -> dict:
    """Facts from the serving engine that decide how a template name is picked."""
    src = (
        show(git_dir, tag, "lmdeploy/serve/async_engine.py")
        or show(git_dir, tag, "lmdeploy/serve/core/async_engine.py")
        or ""
    )
    facts: dict[str, Any] = {}
    facts["model_name_selects_template"] = "chat_template_name = self.model_name" in src
    facts["turbomind_workspace_reads_config"] = "triton_models" in src
    if "You are using base template to handle chat task" in src:
        facts["base_template_with_messages"] = "error"
    else:
        facts["base_template_with_messages"] = "unchecked"
    return facts


def cli_facts(git_dir: str, tag: str, tree: ast.Module) -> dict:
    """`--chat-template NAME` handling in lmdeploy/cli/utils.py::get_chat_template."""
    src = show(git_dir, tag, "lmdeploy/cli/utils.py")
    if src is None:
        return {}
    defined = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.FunctionDef) and node.name == "get_chat_template":
            missing: list[str] = []
            for sub in ast.walk(node):
                if isinstance(sub, ast.ImportFrom) and sub.module == "lmdeploy.model":
                    missing += [a.name for a in sub.names if a.name not in defined]
            text = ast.unparse(node)
            return {
                "cli_function_line": node.lineno,
                "cli_builtin_name": "import_error" if missing else "ok",
                "cli_missing_imports": missing,
                "cli_deprecated_to_hf": "DEPRECATED_CHAT_TEMPLATE_NAMES" in text and not missing,
                "cli_removed_error": "REMOVED_CHAT_TEMPLATE_NAMES" in text and not missing,
            }
    return {}


def extract(git_dir: str, tag: str, unknown: list[str], hand_used: dict) -> dict:
    src = show(git_dir, tag, MODEL_PY)
    assert src is not None
    tree = ast.parse(src)
    MODULE_FUNCS.clear()
    MODULE_FUNCS.update({n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)})
    classes = parse_classes(tree)
    order = registry_order(classes)
    fields = dataclass_fields(tree, "ChatTemplateConfig")
    defs: dict[str, dict] = {}
    lines: dict[str, int] = {}
    # A --chat-template JSON whose model_name is not registered gets BaseChatTemplate(**fields).
    custom_idx = max(c.index for c in classes if c.name == "BaseChatTemplate")
    for name, idx in [*order, (CUSTOM, custom_idx)]:
        info = classes[idx]
        attrs = template_attrs(idx, classes, {})
        keep = {k: v for k, v in attrs.items() if isinstance(v, (str, list, type(None), bool))}
        keep = {k: v for k, v in keep.items() if k in CORE_ATTRS or not k.startswith("__")}
        d = {
            "class": info.name,
            "bases": [classes[i].name for i in mro(idx, classes)[1:]],
            "registered_as": [n for n, i in order if i == idx and n != CUSTOM],
            "attributes": {k: keep[k] for k in sorted(keep)},
            "override_exceptions": override_map(idx, classes, fields),
            "match": match_spec(idx, classes, src, hand_used, tag),
            "render": render_spec(idx, classes, src, unknown),
        }
        defs[name] = d
        match_fn = next(
            classes[i].methods["match"] for i in mro(idx, classes) if "match" in classes[i].methods
        )
        lines[name] = {"line": info.node.lineno, "match_line": match_fn.lineno}
    facts = engine_facts(git_dir, tag)
    facts.update(cli_facts(git_dir, tag, tree))
    sel = selection_semantics(tree)
    has_base_model = any(c.name == "BaseModel" for c in classes)
    if has_base_model and facts["base_template_with_messages"] == "unchecked":
        # messages2prompt returns None, then tokenizer.encode(None): fails without a message
        facts["base_template_with_messages"] = "unhandled_error"
        facts["base_template_note"] = (
            "UNCONFIRMED (not run): BaseModel.messages2prompt returns None for a message list "
            "and async_engine passes it to tokenizer.encode"
        )
    # mmengine's Registry.get('a.b') reads 'a' as a scope and returns None (checked with
    # mmengine-lite 0.10.7), so ChatTemplateConfig('a.b').chat_template raises TypeError.
    facts["registry_get_fails"] = [n for n, _ in order if "." in n]
    if not has_base_model:
        facts["base_template_with_messages"] = "concatenate"
    return {
        "selection": {**sel, **facts},
        "registry_order": [n for n, _ in order],
        "deprecated_names": module_list(tree, "DEPRECATED_CHAT_TEMPLATE_NAMES") or [],
        "removed_names": module_list(tree, "REMOVED_CHAT_TEMPLATE_NAMES") or [],
        "chat_template_config_fields": fields,
        "templates": defs,
        "lines": lines,
    }


def build(git_dir: str) -> dict:
    tags = release_tags(git_dir)
    unknown: list[str] = []
    hand_used: dict[str, list[str]] = {}
    per_tag = []
    for tag in tags:
        commit = git(git_dir, "rev-list", "-n", "1", f"refs/tags/{tag}").strip()
        per_tag.append((tag, commit, extract(git_dir, tag, unknown, hand_used)))
    if unknown:
        raise SystemExit(
            "unreviewed messages2prompt implementations (read them, add RENDER_IMPLS):\n  "
            + "\n  ".join(sorted(set(unknown)))
        )
    # content-address template definitions
    defs: dict[str, dict] = {}
    snapshots: list[dict] = []
    for tag, commit, data in per_tag:
        refs: dict[str, dict] = {}
        for name, d in data["templates"].items():
            blob = json.dumps(d, sort_keys=True, ensure_ascii=False)
            did = f"{name}@{hashlib.sha1(blob.encode()).hexdigest()[:8]}"
            if did not in defs:
                defs[did] = {"first_seen": tag, **d}
            refs[name] = {"def": did, **data["lines"][name]}
        body = {
            "selection": data["selection"],
            "registry_order": data["registry_order"],
            "deprecated_names": data["deprecated_names"],
            "removed_names": data["removed_names"],
            "chat_template_config_fields": data["chat_template_config_fields"],
            "templates": refs,
        }
        same_as_prev = False
        if snapshots:
            prev = snapshots[-1]
            a = {k: v for k, v in prev.items() if k not in ("versions", "tags", "templates")}
            b = {k: v for k, v in body.items() if k != "templates"}
            pa = {n: r["def"] for n, r in prev["templates"].items()}
            pb = {n: r["def"] for n, r in refs.items()}
            same_as_prev = a == b and pa == pb
        if same_as_prev:
            snapshots[-1]["versions"].append(tag)
            snapshots[-1]["tags"].append({"tag": tag, "commit": commit})
        else:
            snapshots.append({"versions": [tag], "tags": [{"tag": tag, "commit": commit}], **body})
    hand = [{"impl": k, "note": HAND_MATCH[k]["note"], "versions": v} for k, v in hand_used.items()]
    return {
        "schema": 1,
        "generated_by": "scripts/snapshot_lmdeploy_templates.py",
        "source": {
            "repository": REPO,
            "path": MODEL_PY,
            "also_read": [
                "lmdeploy/serve/async_engine.py (lmdeploy/serve/core/async_engine.py from v0.13)",
                "lmdeploy/cli/utils.py",
            ],
            "tags": [t for t, _, _ in per_tag],
            "note": "Per version range: line numbers and source refer to the first tag of the "
            "range; `tags` lists every release tag (and commit) the range covers. Pre-releases "
            "(a/rc tags) are skipped.",
        },
        "match_rule_language": {
            "rules": "ordered; the first rule whose `when` holds decides: `returns` is a name "
            "(match) or null (no match, try the next registry entry)",
            "expr": "contains / not_contains / startswith / endswith test the lower-cased model "
            "path (case raw: the path as given); all / any / not combine; always is true. "
            "Hand-encoded only: config_architecture / config_model_type (config.json), "
            "hf_chat_template (the tokenizer or processor has a chat template).",
        },
        "render_algorithms": {
            "base": "BaseChatTemplate.messages2prompt",
            "base_model": "BaseModel.messages2prompt (None for a message list)",
            "internlm2": "InternLM2Chat7B.messages2prompt",
            "llama3_1": "Llama3_1.messages2prompt",
            "qwen2d5": "Qwen2d5Chat.messages2prompt",
            "chatglm2": "ChatGLM2.messages2prompt",
            "interns1": "InternS1.messages2prompt",
            "hf": "HFChatTemplate.messages2prompt (tokenizer.apply_chat_template; not rendered)",
            "external": "encoder in a separate module (deepseek_v4/v32_encoding; not rendered)",
        },
        "hand_encoded_match": hand,
        "definitions": defs,
        "snapshots": snapshots,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--git-dir", default=DEFAULT_GIT_DIR, help="bare clone of InternLM/lmdeploy")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--check", action="store_true", help="compare with --out instead of writing")
    ap.add_argument(
        "--print-fingerprints",
        metavar="TAG",
        help="print Class.method:fingerprint for messages2prompt/match at TAG and exit",
    )
    args = ap.parse_args(argv)
    if args.print_fingerprints:
        src = show(args.git_dir, args.print_fingerprints, MODEL_PY)
        assert src is not None
        for info in parse_classes(ast.parse(src)):
            for m in ("messages2prompt", "match"):
                fn = info.methods.get(m)
                if fn is not None:
                    print(f"{info.name}.{m}:{fingerprint(src, fn)}  L{fn.lineno}")
        return 0
    data = build(args.git_dir)
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    out = Path(args.out)
    if args.check:
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            print(f"{out} is stale; re-run without --check", file=sys.stderr)
            return 1
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}: {len(data['snapshots'])} version ranges, {len(data['definitions'])} defs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
