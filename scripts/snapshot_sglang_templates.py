#!/usr/bin/env python3
"""Snapshot SGLang's built-in conversation templates and path-matching rules into a data file.

SGLang's OpenAI server (``python -m sglang.launch_server`` / ``sglang serve``) renders chat
requests with a built-in *conversation template* (``python/sglang/srt/conversation.py``, later
``python/sglang/srt/parser/conversation.py``) when ``--chat-template`` names one or, from
v0.4.6.post2 on, when one of the ``@register_conv_template_matching_function`` functions matches
the model path; otherwise the tokenizer's Hugging Face template is used.

This script reads ``conversation.py`` at SGLang release commits from a local clone (parsed with
:mod:`ast`; SGLang is never imported) and writes ``deploylint/data/sglang_templates.json``:
every registered ``Conversation`` (``system_template``, ``system_message``, ``roles``,
``sep_style``, ``sep``, ``sep2``, ``stop_str``, image/audio/video tokens), the matching functions
in registration order translated to rules, the ``MODEL_TYPE_TO_TEMPLATE`` table, and which
``get_prompt``/``generate_chat_conv`` behaviour applies (fingerprinted, reviewed by hand, see
``STYLE_IMPLS`` / ``CHAT_CONV_IMPLS``).

The clone used has no tags: release commits are the commits that set ``version = "X"`` in
``python/pyproject.toml`` (up to 0.5.6.post2, after which the version is derived from git tags).
Later states of ``main`` are added at every commit that changed ``conversation.py``.

``--goldens OUT`` additionally executes each snapshot's real ``conversation.py`` (with stub
``sglang.*`` imports, in a subprocess) and records ``get_conv_template_by_model_path`` results and
``generate_chat_conv(...).get_prompt()`` outputs for the tests.

Usage::

    python scripts/snapshot_sglang_templates.py --git-dir /path/to/sglang.git
    python scripts/snapshot_sglang_templates.py --goldens testdata/sglang/goldens.json
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GIT_DIR = "/work/.mirror/nokiaMS+sglang/repo"
HISTORY_NOTE = (
    "history read from a fork mirror (nokiaMS/sglang) that carries sgl-project/sglang's main "
    "branch history without tags"
)
REPO = "sgl-project/sglang"
CONV_PATHS = ["python/sglang/srt/conversation.py", "python/sglang/srt/parser/conversation.py"]
FIRST_VERSION = (0, 4, 0)
DEFAULT_OUT = ROOT / "deploylint" / "data" / "sglang_templates.json"

# --------------------------------------------------------------------------------------------
# hand-reviewed behaviour, keyed by fingerprint (sha1 of the canonical AST, 10 hex)
# --------------------------------------------------------------------------------------------

# Conversation.get_prompt branches: "<STYLE>:<fingerprint>" -> variant implemented by
# deploylint/engines/sglang_templates.py (each read in the source before listing it here).
STYLE_IMPLS: dict[str, str] = {
    "ADD_COLON_SINGLE:797f8aead3": "v1",
    "ADD_COLON_TWO:529fbd0a11": "v1",
    "ADD_COLON_SPACE_SINGLE:9d30ad3ef1": "v1",
    # system block when the rendered system prompt is non-empty
    "ADD_NEW_LINE_SINGLE:554194aa94": "v1",
    # from 2026: also requires a non-empty system_message
    "ADD_NEW_LINE_SINGLE:6f7c724005": "needs_system_message",
    "NO_COLON_SINGLE:b766a8bf42": "v1",
    "NO_COLON_TWO:46393c3c5d": "v1",
    "RWKV:1442d34ae1": "v1",
    # <= 0.4.4.post4 starts with <|begin_of_text|>
    "LLAMA3:b7ef6472e2": "bos",
    "LLAMA3:e379d684d6": "v1",
    "LLAMA4:8740202cf4": "v1",
    "LLAMA2:02293da94f": "v1",
    "CHATGLM:684f7e30ec": "v1",
    "CHATML:d967809096": "v1",
    "CHATGLM3:2f961f58f0": "v1",
    "CHATINTERN:33ca22c79a": "v1",
    "DOLLY:4eca556da1": "v1",
    "PHOENIX:8b3ddd5546": "v1",
    "ROBIN:ab79bad9d8": "v1",
    "FALCON_CHAT:5f6419987d": "v1",
    "METAMATH:d5ad66381c": "v1",
    "DEEPSEEK_CHAT:be82f3119e": "v1",
    "QWEN2_VL_EMBED:8f9e75b127": "v1",
    "DeepSeekVL2:cc10a46be6": "v1",
    "GEMMA3:0a368b0bad": "v1",
    # MPT: the two versions differ only for tuple messages (never produced by chat requests)
    "MPT:122ad8aaeb": "v1",
    "MPT:c16c0be930": "v1",
    "QWEN2_AUDIO:371bf1100c": "v1",
    "PADDLE_OCR:ffb65b6c91": "v1",
    "UNLIMITED_OCR:7f5300b7bd": "v1",
}

# generate_chat_conv: text handling is the same in all versions (system message replaces the
# template's system_message wherever it appears; user/assistant appended; other roles raise
# "Unknown role"; an empty assistant turn is appended). Image placement differs:
#   image_newline:  "single_image_only" (<= 0.4.6.post5: "\n" after the image token only when the
#                   request has one image) or "always"; no newline for `no_newline_templates`
#   prefix_templates / prefix_attr: image token put before the text (InternVL2.5 …)
#   supplement_templates: image tokens added by _get_full_multimodal_text_prompt (deepseek-vl2)
_CONV_BASE = {
    "audio_parts": True,
    "video_parts": True,
    "image_newline": "always",
    "no_newline_templates": ["qwen2-vl"],
    "prefix_templates": [],
    "prefix_attr": False,
    "supplement_templates": [],
    "many_images_newline": True,
}
CHAT_CONV_IMPLS: dict[str, dict[str, Any]] = {
    "e62a3301ea": {  # 0.4.0-0.4.3.post4 (audio/video parts ignored)
        **_CONV_BASE,
        "image_newline": "single_image_only",
        "audio_parts": False,
        "video_parts": False,
    },
    "e942fc5c0c": {  # 0.4.4-0.4.4.post1
        **_CONV_BASE,
        "image_newline": "single_image_only",
        "audio_parts": False,
        "video_parts": False,
    },
    "e886f2d7de": {  # 0.4.4.post2-0.4.5.post3: + audio parts
        **_CONV_BASE,
        "image_newline": "single_image_only",
        "video_parts": False,
    },
    "cf50a99f91": {  # 0.4.6-0.4.6.post2
        **_CONV_BASE,
        "video_parts": False,
        "image_newline": "single_image_only",
        "supplement_templates": ["deepseek-vl2"],
    },
    "6d1b9dfbca": {  # 0.4.6.post3-0.4.6.post5
        **_CONV_BASE,
        "video_parts": False,
        "image_newline": "single_image_only",
        "supplement_templates": ["deepseek-vl2"],
        "prefix_templates": ["internvl-2-5"],
    },
    "0f47f6811b": {  # 0.4.7-0.4.9.post1
        **_CONV_BASE,
        "video_parts": False,
        "supplement_templates": ["deepseek-vl2"],
        "prefix_templates": ["internvl-2-5"],
    },
    "efafc799b7": {  # + video parts
        **_CONV_BASE,
        "supplement_templates": ["deepseek-vl2"],
        "prefix_templates": ["internvl-2-5"],
    },
    "c71db529a8": {  # 0.4.9.post5-0.4.10.post2
        **_CONV_BASE,
        "supplement_templates": ["deepseek-vl2"],
        "prefix_templates": ["internvl-2-5", "interns1"],
    },
    "46d327316f": {  # 0.5.1-0.5.4.post1
        **_CONV_BASE,
        "supplement_templates": ["deepseek-vl2"],
        "prefix_templates": ["internvl-2-5"],
    },
    "85b1559a7f": {  # 0.5.4.post2-: Conversation.image_token_at_prefix
        **_CONV_BASE,
        "supplement_templates": ["deepseek-vl2"],
        "prefix_attr": True,
    },
    "764eb200ff": {  # 2026-04: moss-vl
        **_CONV_BASE,
        "supplement_templates": ["deepseek-vl2"],
        "prefix_attr": True,
        "no_newline_templates": ["qwen2-vl", "moss-vl"],
    },
    "5c36fa3dc6": {  # 2026-06: unlimited-ocr
        **_CONV_BASE,
        "supplement_templates": ["deepseek-vl2"],
        "prefix_attr": True,
        "no_newline_templates": ["qwen2-vl", "moss-vl", "unlimited-ocr"],
        "many_images_newline_except": ["unlimited-ocr"],
    },
}

# Matching functions the AST translator refuses (dynamic return values).
HAND_MATCH: dict[str, dict[str, Any]] = {
    "match_minicpm:38a14fd808": {
        "rules": [
            {"when": {"regex": "minicpm-(v|o)", "ignorecase": True}, "returns": "minicpm{1}"},
            {"when": {"always": True}, "returns": {"model_type_map": True}},
        ],
        "note": "returns f'minicpm{group(1).lower()}' for the first 'minicpm-v'/'minicpm-o' "
        "match; else the config.json model_type table",
    },
    "match_minicpm:90cfa997a9": {
        "rules": [
            {"when": {"config_model_type": "minicpmv4_6"}, "returns": None},
            {"when": {"regex": "minicpm-(v|o)-4[._]6", "ignorecase": True}, "returns": None},
            {"when": {"regex": "minicpm-(v|o)", "ignorecase": True}, "returns": "minicpm{1}"},
            {"when": {"always": True}, "returns": {"model_type_map": True}},
        ],
        "note": "MiniCPM-V/o 4.6 (config model_type minicpmv4_6 or path minicpm-v-4.6) is "
        "excluded; else f'minicpm{group(1).lower()}', else the config.json model_type table",
    },
}

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def git(git_dir: str, *args: str) -> str:
    return subprocess.check_output(
        ["git", f"--git-dir={git_dir}", *args], stderr=subprocess.DEVNULL
    ).decode("utf-8")


def show(git_dir: str, commit: str, path: str) -> str | None:
    try:
        return git(git_dir, "show", f"{commit}:{path}")
    except subprocess.CalledProcessError:
        return None


def _canon(node: Any) -> Any:
    if isinstance(node, ast.AST):
        out: list[Any] = [type(node).__name__]
        for fld in node._fields:
            if fld in ("ctx", "type_comment", "kind", "type_params"):
                continue
            value = getattr(node, fld, None)
            if value is None or value == []:
                continue
            out.append([fld, _canon(value)])
        return out
    if isinstance(node, list):
        return [_canon(v) for v in node]
    return repr(node)


def fp(node: Any) -> str:
    return hashlib.sha1(json.dumps(_canon(node)).encode()).hexdigest()[:10]


def strip_doc(body: list[ast.stmt]) -> list[ast.stmt]:
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        return body[1:]
    return body


_VER = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:\.post(\d+))?$")


def vkey(v: str) -> tuple[int, int, int, int]:
    m = _VER.match(v)
    assert m, v
    a, b, c, p = m.groups()
    return int(a), int(b), int(c), int(p) if p else -1


def release_points(git_dir: str) -> list[dict[str, str]]:
    """Commits that set `version = "X"` in python/pyproject.toml (first one per version),
    final and post releases only, then main commits after the last one that touch
    conversation.py, then HEAD."""
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    log = git(
        git_dir,
        "log",
        "--reverse",
        "--format=%H %ad",
        "--date=short",
        "-G^version = ",
        "--",
        "python/pyproject.toml",
    )
    for line in log.splitlines():
        commit, date = line.split()
        text = show(git_dir, commit, "python/pyproject.toml") or ""
        m = re.search(r'^version = "([^"]+)"', text, re.M)
        if not m or not _VER.match(m.group(1)) or m.group(1) in seen:
            continue
        if vkey(m.group(1))[:3] < FIRST_VERSION:
            continue
        seen.add(m.group(1))
        out.append({"label": m.group(1), "version": m.group(1), "commit": commit, "date": date})
    last = out[-1]["commit"]
    later = git(
        git_dir,
        "log",
        "--reverse",
        "--format=%H %ad",
        "--date=short",
        f"{last}..HEAD",
        "--",
        *CONV_PATHS,
    )
    for line in later.splitlines():
        commit, date = line.split()
        out.append({"label": f"main@{commit[:9]}", "commit": commit, "date": date})
    head, date = git(git_dir, "log", "-1", "--format=%H %ad", "--date=short", "HEAD").split()
    if out[-1]["commit"] != head:
        out.append({"label": f"main@{head[:9]}", "commit": head, "date": date})
    return out


# Main-branch commits that bumped the documented install version after a release (the
# release itself was tagged on a release branch; its exact commit is not in this history).
DOCS_RELEASE_BUMPS = {
    "0.5.15": "2026-07-13",
    "0.5.16": "2026-07-24",
}

# --------------------------------------------------------------------------------------------
# conversation.py extraction
# --------------------------------------------------------------------------------------------


class Unsupported(Exception):
    pass


def _value(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        return [_value(e) for e in node.elts]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _value(node.left) + _value(node.right)
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "SeparatorStyle"
    ):
        return node.attr
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "read_system_prompt_from_file"
    ):
        repo = _value(node.args[0])
        return {
            "dynamic": "read_system_prompt_from_file",
            "note": f"SYSTEM_PROMPT.txt of {repo} in the local Hugging Face cache when the "
            "server starts, else '' (rendered here as '')",
        }
    raise Unsupported(ast.unparse(node))


def conversation_defaults(tree: ast.Module) -> dict[str, Any]:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Conversation":
            out = {}
            for st in node.body:
                if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name) and st.value:
                    try:
                        out[st.target.id] = _value(st.value)
                    except Unsupported:
                        continue
            return out
    raise ValueError("no Conversation class")


KEEP = [
    "system_template",
    "system_message",
    "roles",
    "sep_style",
    "sep",
    "sep2",
    "stop_str",
    "stop_token_ids",
    "image_token",
    "video_token",
    "audio_token",
    "image_token_at_prefix",
]


def templates(tree: ast.Module, defaults: dict[str, Any]) -> list[tuple[str, dict, int]]:
    """(name, fields, line) per register_conv_template call, in order (override replaces)."""
    out: dict[str, tuple[dict, int]] = {}
    for node in tree.body:
        if not (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "register_conv_template"
        ):
            continue
        conv = node.value.args[0]
        assert isinstance(conv, ast.Call) and ast.unparse(conv.func) == "Conversation"
        fields = {k: v for k, v in defaults.items() if k in KEEP}
        name = None
        for kw in conv.keywords:
            if kw.arg == "name":
                name = _value(kw.value)
            elif kw.arg in KEEP:
                fields[kw.arg] = _value(kw.value)
            elif kw.arg is not None:
                fields.setdefault("other", {})[kw.arg] = ast.unparse(kw.value)
        assert isinstance(name, str)
        override = any(
            kw.arg == "override" and _value(kw.value) is True for kw in node.value.keywords
        )
        if name in out and not override:
            raise ValueError(f"{name} registered twice without override")
        out[name] = (fields, node.lineno)
    return [(n, f, line) for n, (f, line) in out.items()]


class NotTranslatable(Exception):
    pass


class MatchTranslator:
    """Rules for a matching function: {"when": expr, "returns": name | None | {...}}.

    expr: {"regex": p, "ignorecase": bool} (re.search on the path as given) |
          {"contains": s} (on model_path.lower()) | {"config_model_type": s} |
          {"all": [...]} | {"any": [...]} | {"not": e} | {"always": true}
    returns {"model_type_map": true}: MODEL_TYPE_TO_TEMPLATE[config.json model_type], if any.
    """

    def __init__(self, fn: ast.FunctionDef) -> None:
        self.fn = fn
        self.env: dict[str, str] = {fn.args.args[0].arg: "raw"}

    def kind(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name) and node.id in self.env:
            return self.env[node.id]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "lower"
            and self.kind(node.func.value) == "raw"
        ):
            return "lower"
        return None

    def expr(self, node: ast.expr) -> dict:
        if isinstance(node, ast.BoolOp):
            parts = [self.expr(v) for v in node.values]
            return {"all" if isinstance(node.op, ast.And) else "any": parts}
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return {"not": self.expr(node.operand)}
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left, right = node.left, node.comparators[0]
            if isinstance(left, ast.Constant) and self.kind(right) == "lower":
                if isinstance(node.ops[0], ast.In):
                    return {"contains": left.value}
                if isinstance(node.ops[0], ast.NotIn):
                    return {"not": {"contains": left.value}}
            if (
                isinstance(left, ast.Name)
                and self.env.get(left.id) == "model_type"
                and isinstance(node.ops[0], ast.Eq)
                and isinstance(right, ast.Constant)
            ):
                return {"config_model_type": right.value}
        if (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) == "re.search"
            and len(node.args) >= 2
            and self.kind(node.args[1]) is not None
        ):
            pattern = _value(node.args[0])
            flags = ast.unparse(node.args[2]) if len(node.args) > 2 else ""
            if flags not in ("", "re.IGNORECASE", "re.I"):
                raise NotTranslatable(flags)
            if self.kind(node.args[1]) == "lower":
                pattern = pattern  # searched in the lower-cased path: same as ignorecase here
                flags = "re.IGNORECASE"
            return {"regex": pattern, "ignorecase": bool(flags)}
        raise NotTranslatable(ast.unparse(node))

    def block(self, body: list[ast.stmt]) -> tuple[list[dict], bool]:
        rules: list[dict] = []
        for st in body:
            if isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant):
                continue
            if isinstance(st, ast.Assign) and len(st.targets) == 1:
                tgt = st.targets[0]
                if isinstance(tgt, ast.Name) and self.kind(st.value) is not None:
                    self.env[tgt.id] = self.kind(st.value) or "raw"
                    continue
                if (
                    isinstance(tgt, ast.Name)
                    and isinstance(st.value, ast.Call)
                    and ast.unparse(st.value.func) == "get_model_type"
                ):
                    self.env[tgt.id] = "model_type"
                    continue
                raise NotTranslatable(ast.unparse(st))
            if isinstance(st, ast.Return):
                rules.append({"when": {"always": True}, "returns": self.ret(st.value)})
                return rules, True
            if isinstance(st, ast.If):
                cond = self.expr(st.test)
                body_rules, body_ret = self.block(st.body)
                else_rules, else_ret = self.block(st.orelse)
                for r in body_rules:
                    rules.append({"when": _and(cond, r["when"]), "returns": r["returns"]})
                for r in else_rules:
                    rules.append({"when": _and({"not": cond}, r["when"]), "returns": r["returns"]})
                if body_ret and else_ret:
                    return rules, True
                continue
            raise NotTranslatable(ast.unparse(st)[:80])
        return rules, False

    def ret(self, node: ast.expr | None) -> Any:
        if node is None:
            return None
        if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str)):
            return node.value
        if (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) == "MODEL_TYPE_TO_TEMPLATE.get"
            and isinstance(node.args[0], ast.Name)
            and self.env.get(node.args[0].id) == "model_type"
        ):
            return {"model_type_map": True}
        raise NotTranslatable(ast.unparse(node))

    def translate(self) -> list[dict]:
        rules, _ = self.block(strip_doc(self.fn.body))
        while rules and rules[-1]["returns"] is None and rules[-1]["when"] == {"always": True}:
            rules.pop()
        return rules


def _and(a: dict, b: dict) -> dict:
    parts = [p for p in (a, b) if p != {"always": True}]
    if not parts:
        return {"always": True}
    return parts[0] if len(parts) == 1 else {"all": parts}


def matching_functions(tree: ast.Module) -> list[dict]:
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any(
            ast.unparse(d) == "register_conv_template_matching_function"
            for d in node.decorator_list
        ):
            key = f"{node.name}:{fp(strip_doc(node.body))}"
            if key in HAND_MATCH:
                out.append(
                    {
                        "function": node.name,
                        "line": node.lineno,
                        "rules": HAND_MATCH[key]["rules"],
                        "encoding": "hand",
                        "note": HAND_MATCH[key]["note"],
                    }
                )
                continue
            try:
                rules = MatchTranslator(node).translate()
            except NotTranslatable as exc:
                raise SystemExit(f"cannot translate {key} (line {node.lineno}): {exc}") from exc
            out.append({"function": node.name, "line": node.lineno, "rules": rules})
    return out


def module_dict(tree: ast.Module, name: str) -> dict | None:
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == name
        ):
            return ast.literal_eval(node.value)
    return None


def style_variants(tree: ast.Module, unknown: list[str]) -> dict[str, str]:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "Conversation":
            gp = next(
                f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "get_prompt"
            )
            st = next(s for s in gp.body if isinstance(s, ast.If))
            out = {}
            while st is not None:
                test = st.test
                assert isinstance(test, ast.Compare) and isinstance(
                    test.comparators[0], ast.Attribute
                )
                style = test.comparators[0].attr
                key = f"{style}:{fp(st.body)}"
                if key not in STYLE_IMPLS:
                    unknown.append(key)
                out[style] = STYLE_IMPLS.get(key, "unreviewed")
                nxt = st.orelse[0] if st.orelse and isinstance(st.orelse[0], ast.If) else None
                st = nxt
            return out
    raise ValueError("no get_prompt")


def chat_conv_options(tree: ast.Module, unknown: list[str]) -> dict[str, Any]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "generate_chat_conv":
            key = fp(node.body)
            if key not in CHAT_CONV_IMPLS:
                unknown.append(f"generate_chat_conv:{key}")
                return {"unreviewed": key}
            return {"line": node.lineno, **CHAT_CONV_IMPLS[key]}
    raise ValueError("no generate_chat_conv")


def selection_facts(git_dir: str, commit: str) -> dict[str, Any]:
    """Where (and whether) the server guesses a conversation template from the model path."""
    grep = subprocess.run(
        [
            "git",
            f"--git-dir={git_dir}",
            "grep",
            "-n",
            "get_conv_template_by_model_path(",
            commit,
            "--",
            "python/sglang/srt",
        ],
        capture_output=True,
        text=True,
    ).stdout
    callers = []
    for line in grep.splitlines():
        _, path, lineno, text = line.split(":", 3)
        if "def get_conv_template_by_model_path" in text or "/conversation.py" in path:
            continue
        callers.append({"path": path, "line": int(lineno)})
    return {"path_matching": bool(callers), "called_from": callers}


def extract(git_dir: str, point: dict[str, str], unknown: list[str]) -> dict[str, Any]:
    for path in CONV_PATHS:
        src = show(git_dir, point["commit"], path)
        if src is not None:
            break
    assert src is not None
    tree = ast.parse(src)
    defaults = conversation_defaults(tree)
    return {
        "conversation_path": path,
        **selection_facts(git_dir, point["commit"]),
        "matching": matching_functions(tree),
        "model_type_to_template": module_dict(tree, "MODEL_TYPE_TO_TEMPLATE"),
        "styles": style_variants(tree, unknown),
        "chat_conv": chat_conv_options(tree, unknown),
        "templates": templates(tree, defaults),
        "src": src,
    }


def build(git_dir: str) -> tuple[dict, list[tuple[dict, str]]]:
    points = release_points(git_dir)
    unknown: list[str] = []
    defs: dict[str, dict] = {}
    snapshots: list[dict] = []
    sources: list[tuple[dict, str]] = []
    for pt in points:
        data = extract(git_dir, pt, unknown)
        refs = {}
        for name, fields, line in data["templates"]:
            blob = json.dumps({"name": name, **fields}, sort_keys=True, ensure_ascii=False)
            did = f"{name}@{hashlib.sha1(blob.encode()).hexdigest()[:8]}"
            defs.setdefault(did, {"first_seen": pt["label"], **fields})
            refs[name] = {"def": did, "line": line}
        body = {
            "conversation_path": data["conversation_path"],
            "path_matching": data["path_matching"],
            "called_from": data["called_from"],
            "matching": data["matching"],
            "model_type_to_template": data["model_type_to_template"],
            "styles": data["styles"],
            "chat_conv": data["chat_conv"],
            "templates": refs,
        }
        entry = {k: v for k, v in pt.items()}
        if snapshots and _semantic(snapshots[-1]) == _semantic(body):
            snapshots[-1]["points"].append(entry)
            continue
        snapshots.append({"points": [entry], **body})
        sources.append((pt, data["src"]))
    if unknown:
        raise SystemExit("unreviewed implementations:\n  " + "\n  ".join(sorted(set(unknown))))
    return (
        {
            "schema": 1,
            "generated_by": "scripts/snapshot_sglang_templates.py",
            "source": {
                "repository": REPO,
                "paths": CONV_PATHS,
                "history": HISTORY_NOTE,
                "release_points": "commits setting `version = X` in python/pyproject.toml "
                "(first per version; final/post releases from 0.4.0), then main-branch commits "
                "that changed conversation.py, then HEAD of the clone. UNCONFIRMED: release "
                "tags are not in this history; the commit that set the version is taken as the "
                "release",
                "docs_release_bumps": DOCS_RELEASE_BUMPS,
                "note": "Line numbers refer to the first point of each range.",
            },
            "match_rule_language": MatchTranslator.__doc__,
            "json_chat_template": {
                "source": "python/sglang/srt/openai_api/adapter.py::"
                "load_chat_template_for_openai_api (<= 0.4.7), then "
                "srt/managers/template_manager.py (later srt/parser/template_manager.py)::"
                "_load_json_chat_template",
                "fields": "name, system (system_template = system + '\\n{system_message}'), "
                "system_message (default ''), user, assistant (roles), sep_style (a "
                "SeparatorStyle name), sep (default '\\n'), stop_str (required); registered "
                "with override=True; a built-in name given to --chat-template wins over a file",
            },
            "definitions": defs,
            "snapshots": snapshots,
        },
        sources,
    )


def _semantic(snap: dict) -> str:
    s = {k: v for k, v in snap.items() if k not in ("points",)}
    s["matching"] = [{k: v for k, v in m.items() if k != "line"} for m in s["matching"]]
    s["templates"] = {n: r["def"] for n, r in s["templates"].items()}
    s["called_from"] = [c["path"] for c in s["called_from"]]
    s["chat_conv"] = {k: v for k, v in s["chat_conv"].items() if k != "line"}
    return json.dumps(s, sort_keys=True)


# --------------------------------------------------------------------------------------------
# goldens: execute the real conversation.py with stubbed sglang imports
# --------------------------------------------------------------------------------------------

GOLDEN_PATHS = [
    "Qwen/Qwen2.5-VL-7B-Instruct",
    "Qwen/Qwen2-VL-7B-Instruct",
    "Qwen/Qwen3-VL-8B-Instruct",
    "Qwen/Qwen2.5-7B-Instruct",
    "Qwen/Qwen2-Audio-7B-Instruct",
    "Alibaba-NLP/gme-Qwen2-VL-2B-Instruct",
    "meta-llama/Llama-2-7b-chat-hf",
    "meta-llama/Llama-3.2-11B-Vision-Instruct",
    "meta-llama/Llama-4-Scout-17B-16E-Instruct",
    "meta-llama/Llama-3.1-8B-Instruct",
    "codellama/CodeLlama-7b-Instruct-hf",
    "mistralai/Mistral-7B-Instruct-v0.3",
    "mistralai/Pixtral-12B-2409",
    "mistralai/Devstral-Small-2505",
    "google/gemma-3-4b-it",
    "google/gemma-3-1b-it",
    "google/gemma-2-9b-it",
    "lmsys/vicuna-7b-v1.5",
    "liuhaotian/llava-v1.5-7b",
    "lmms-lab/llava-onevision-qwen2-7b-ov",
    "OpenGVLab/InternVL2_5-8B",
    "OpenGVLab/InternVL3-8B",
    "internlm/Intern-S1",
    "deepseek-ai/deepseek-vl2-tiny",
    "deepseek-ai/Janus-Pro-7B",
    "openbmb/MiniCPM-V-2_6",
    "openbmb/MiniCPM-o-2_6",
    "openbmb/MiniCPM-V-4_6",
    "moonshotai/Kimi-VL-A3B-Instruct",
    "microsoft/Phi-4-multimodal-instruct",
    "Efficient-Large-Model/NVILA-8B",
    "XiaomiMiMo/MiMo-VL-7B-RL",
    "/models/my-finetune",
    "/ckpt/checkpoints/qwen-vl-sft",
    "/data/endpoints/model",
    "WePOINTS/POINTS-1-5-Qwen-2-5-7B-Chat",
    "deepseek-ai/DeepSeek-OCR",
    "openai/whisper-large-v3",
]

GOLDEN_PROBES: dict[str, list[dict[str, Any]]] = {
    "no_system": [{"role": "user", "content": "Who created you? One short sentence."}],
    "with_system": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "Hi"},
    ],
    "multi_turn": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "What is 2+2?"},
    ],
    "system_last": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Thanks"},
    ],
    "one_image": [
        {
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                {"type": "text", "text": "Describe this image."},
            ],
        }
    ],
    "empty_assistant_turn": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": ""},
        {"role": "user", "content": "Still there?"},
    ],
    "tool_role": [
        {"role": "user", "content": "Weather?"},
        {"role": "tool", "content": "21C"},
    ],
    "two_images": [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Compare"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,BBBB"}},
            ],
        }
    ],
}

_STUB_FINDER = r"""
import importlib.abc, importlib.machinery, sys, types

class _Any:
    def __init__(self, *a, **k):
        self.__dict__.update(k)
    def __call__(self, *a, **k):
        return _Any()

class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name == "read_system_prompt_from_file":
            return lambda *a, **k: ""
        return _Any

class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname in REAL:
            return None
        if fullname.split(".")[0] in ("sglang", "typing_extensions"):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None
    def create_module(self, spec):
        if spec.name == "typing_extensions":
            import typing
            return typing
        m = _StubModule(spec.name)
        m.__path__ = []
        return m
    def exec_module(self, module):
        pass
"""

_DRIVER = r"""
import importlib.util, json, sys, types
REAL = {"sglang.conv_under_test"}
exec(open(sys.argv[3]).read())
sys.meta_path.insert(0, _Finder())
spec = importlib.util.spec_from_file_location("sglang.conv_under_test", sys.argv[1])
conv = importlib.util.module_from_spec(spec)
sys.modules["sglang.conv_under_test"] = conv
spec.loader.exec_module(conv)
data = json.load(open(sys.argv[2]))


def ns(obj):
    if isinstance(obj, dict):
        return types.SimpleNamespace(**{k: ns(v) for k, v in obj.items()})
    if isinstance(obj, list):
        return [ns(v) for v in obj]
    return obj


def part(p):
    d = dict(p)
    if d.get("type") == "image_url":
        d.setdefault("modalities", None)
        d["image_url"] = dict(d["image_url"], detail="auto")
    return ns(d)


out = {"select": {}, "renders": {}}
for path in data["paths"]:
    # the server only consults the matching functions where it calls them (path_matching)
    fn = getattr(conv, "get_conv_template_by_model_path", None)
    out["select"][path] = fn(path) if (fn and data["path_matching"]) else None
for name in conv.chat_templates:
    res = {}
    for probe, msgs in data["probes"].items():
        items = []
        for m in msgs:
            c = m["content"]
            c = c if isinstance(c, str) else [part(p) for p in c]
            items.append(types.SimpleNamespace(role=m["role"], content=c))
        req = types.SimpleNamespace(messages=items)
        try:
            res[probe] = {"prompt": conv.generate_chat_conv(req, name).get_prompt()}
        except Exception as e:
            res[probe] = {"error": type(e).__name__ + ": " + str(e)[:200]}
    out["renders"][name] = res
json.dump(out, sys.stdout, ensure_ascii=False)
"""


def goldens(git_dir: str, data: dict, sources: list[tuple[dict, str]], out: Path) -> None:
    strings: list[str] = []
    index: dict[str, int] = {}
    results = {}
    matching = {p["label"]: s["path_matching"] for s in data["snapshots"] for p in s["points"]}
    for pt, src in sources:
        with tempfile.TemporaryDirectory(prefix="sglgold-") as tmp:
            t = Path(tmp)
            (t / "conversation.py").write_text(src)
            spec = {
                "paths": GOLDEN_PATHS,
                "probes": GOLDEN_PROBES,
                "path_matching": matching[pt["label"]],
            }
            (t / "spec.json").write_text(json.dumps(spec))
            (t / "stub.py").write_text(_STUB_FINDER)
            (t / "driver.py").write_text(_DRIVER)
            proc = subprocess.run(
                [
                    sys.executable,
                    str(t / "driver.py"),
                    str(t / "conversation.py"),
                    str(t / "spec.json"),
                    str(t / "stub.py"),
                ],
                capture_output=True,
                text=True,
                cwd=tmp,
            )
            if proc.returncode:
                raise SystemExit(f"{pt['label']}: driver failed\n{proc.stderr[-3000:]}")
            res = json.loads(proc.stdout)
        renders = {}
        for name, by_probe in res["renders"].items():
            row = {}
            for probe, r in by_probe.items():
                if "prompt" in r:
                    if r["prompt"] not in index:
                        index[r["prompt"]] = len(strings)
                        strings.append(r["prompt"])
                    row[probe] = index[r["prompt"]]
                else:
                    row[probe] = r
            renders[name] = row
        results[pt["label"]] = {"commit": pt["commit"], "select": res["select"], "renders": renders}
        print(f"{pt['label']}: {len(renders)} templates", file=sys.stderr)
    doc = {
        "generated_by": "scripts/snapshot_sglang_templates.py --goldens",
        "how": "each snapshot's conversation.py executed with stub sglang.* modules; "
        "get_conv_template_by_model_path(path) and generate_chat_conv(request, name)"
        ".get_prompt() recorded (paths do not exist locally, so config.json lookups find nothing)",
        "repository": REPO,
        "paths": GOLDEN_PATHS,
        "probes": GOLDEN_PROBES,
        "format": "by_label[label].renders[template][probe] indexes `prompts`, or is "
        '{"error": ...}',
        "by_label": results,
        "prompts": strings,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--git-dir", default=DEFAULT_GIT_DIR)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--goldens", metavar="OUT", help="also write golden outputs to OUT")
    args = ap.parse_args(argv)
    data, sources = build(args.git_dir)
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    out = Path(args.out)
    if args.check:
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            print(f"{out} is stale", file=sys.stderr)
            return 1
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}: {len(data['snapshots'])} ranges", file=sys.stderr)
    if args.goldens:
        goldens(args.git_dir, data, sources, Path(args.goldens))
    return 0


if __name__ == "__main__":
    sys.exit(main())
