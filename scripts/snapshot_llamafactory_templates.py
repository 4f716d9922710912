#!/usr/bin/env python3
"""Snapshot LLaMA-Factory's chat-template registry, per release, into deploylint's data.

Reads ``src/llamafactory/data/template.py`` (``src/llmtuner/data/template.py`` up to v0.7.x) of
``hiyouga/LLaMA-Factory`` at a list of git tags (and the branch head) straight out of a bare
git directory, parses the ``register_template(...)`` / ``_register_template(...)`` calls with
Python's ``ast`` module (nothing from LLaMA-Factory is imported or executed) and writes
``deploylint/data/llamafactory_templates.json``.

For every version the file records

* ``engine``: how that version's ``Template`` classes turn the slots into text (separator
  between turns, prefix, ``force_system``, thinking-template details ...). These are detected
  from the source too (class fields, method bodies) and the script stops with an error when a
  version does not match one of the shapes it knows, so a new upstream design is never
  silently mis-described.
* ``templates``: template name -> ``[record id, line of the register call]``.

Identical template definitions are stored once under ``records`` (content-addressed ids), so a
lookup is ``records[versions[i]["templates"][name][0]]``.

Slot notation (``format_*`` lists): a string is literal text in which ``{{content}}`` (and
``{{idx}}`` for the user slot) is substituted; ``{"token": "<x>"}`` is a literal special token;
``{"special": "bos_token"}`` / ``{"special": "eos_token"}`` are LLaMA-Factory's ``{"bos_token"}``
/ ``{"eos_token"}`` set items (the tokenizer's bos / eos at encode time).

Usage::

    python scripts/snapshot_llamafactory_templates.py --git-dir /path/to/LLaMA-Factory.git
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import re
import subprocess
import sys
import textwrap
import tokenize
from pathlib import Path
from typing import Any

REPOSITORY = "hiyouga/LLaMA-Factory"
DEFAULT_TAGS = [
    "v0.7.0",
    "v0.7.1",
    "v0.8.0",
    "v0.8.1",
    "v0.8.2",
    "v0.8.3",
    "v0.9.0",
    "v0.9.1",
    "v0.9.2",
    "v0.9.3",
    "v0.9.4",
    "v0.9.5",
    "HEAD",
]
TEMPLATE_PATHS = ["src/llamafactory/data/template.py", "src/llmtuner/data/template.py"]
VERSION_PATHS = ["src/llamafactory/extras/env.py", "src/llmtuner/extras/env.py"]
OUT = Path(__file__).resolve().parent.parent / "deploylint" / "data" / "llamafactory_templates.json"

SLOT_FIELDS = [
    "format_user",
    "format_assistant",
    "format_system",
    "format_function",
    "format_observation",
    "format_tools",
    "format_separator",
    "format_prefix",
]


class SnapshotError(RuntimeError):
    pass


# --------------------------------------------------------------------------- git helpers


def git(git_dir: str, *args: str) -> str:
    out = subprocess.run(
        ["git", "--git-dir", git_dir, *args], check=True, capture_output=True, text=True
    )
    return out.stdout


def git_show(git_dir: str, rev: str, path: str) -> str | None:
    proc = subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"{rev}:{path}"], capture_output=True, text=True
    )
    return proc.stdout if proc.returncode == 0 else None


# --------------------------------------------------------------------------- ast helpers


def _const(node: ast.AST) -> Any:
    """Literal value of a node (strings, numbers, lists, tuples, dicts, sets, None, bools)."""
    return ast.literal_eval(node)


def _slot_item(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, set):
        if value == {"bos_token"}:
            return {"special": "bos_token"}
        if value == {"eos_token"}:
            return {"special": "eos_token"}
        # any other set (e.g. {"<|endoftext|>"} in a few registrations) is skipped by
        # Template._convert_elements_to_ids, which only knows bos_token / eos_token
        return {"set": sorted(value)}
    if isinstance(value, dict) and set(value) == {"token"}:
        return {"token": value["token"]}
    raise SnapshotError(f"unknown slot item {value!r}")


def _formatter(node: ast.AST) -> dict[str, Any]:
    """``StringFormatter(slots=[...])`` and friends -> {"kind", "slots", "tool_format"}."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise SnapshotError(f"not a formatter call: {ast.unparse(node)}")
    kind = node.func.id
    slots: Any = []
    tool_format = None
    for i, arg in enumerate(node.args):
        if i == 0:
            slots = _const(arg)
        else:
            raise SnapshotError(f"unexpected positional argument in {ast.unparse(node)}")
    for kw in node.keywords:
        if kw.arg == "slots":
            if isinstance(kw.value, ast.Attribute):  # e.g. slots=other.slots: not seen upstream
                raise SnapshotError(f"non-literal slots in {ast.unparse(node)}")
            slots = _const(kw.value)
        elif kw.arg == "tool_format":
            tool_format = _const(kw.value)
        else:
            raise SnapshotError(f"unknown formatter keyword {kw.arg} in {ast.unparse(node)}")
    if isinstance(slots, str):  # EmptyFormatter("<s>") is documented upstream as a shorthand
        slots = [slots]
    out: dict[str, Any] = {"kind": kind, "slots": [_slot_item(s) for s in slots]}
    if tool_format is not None:
        out["tool_format"] = tool_format
    return out


def _mm_plugin(node: ast.AST) -> dict[str, Any]:
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "get_mm_plugin"
    ):
        raise SnapshotError(f"unexpected mm_plugin value {ast.unparse(node)}")
    out: dict[str, Any] = {}
    if node.args:
        out["name"] = _const(node.args[0])
    for kw in node.keywords:
        out[kw.arg or "**"] = _const(kw.value)
    return out


def _function_defaults(fn: ast.FunctionDef) -> dict[str, ast.AST]:
    args = fn.args.args
    defaults = fn.args.defaults
    return {a.arg: d for a, d in zip(args[len(args) - len(defaults) :], defaults, strict=True)}


def _find_def(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def _find_class(tree: ast.Module, name: str) -> ast.ClassDef | None:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node
    return None


def _class_method(cls: ast.ClassDef | None, name: str) -> ast.FunctionDef | None:
    if cls is None:
        return None
    for node in cls.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def _class_fields(cls: ast.ClassDef) -> list[str]:
    return [
        n.target.id
        for n in cls.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    ]


def _src(source: str, node: ast.AST | None) -> str:
    return "" if node is None else (ast.get_source_segment(source, node) or "")


def _squash(text: str) -> str:
    """Source text without comments and whitespace (for pattern checks)."""
    if text:
        toks = tokenize.generate_tokens(io.StringIO(textwrap.dedent(text)).readline)
        text = "".join(t.string for t in toks if t.type != tokenize.COMMENT)
    return re.sub(r"\s+", "", text)


# --------------------------------------------------------------------------- engine detection


def detect_engine(source: str, tree: ast.Module) -> dict[str, Any]:
    """Describe how this version's Template classes render slots (checked against the source)."""
    template_cls = _find_class(tree, "Template")
    if template_cls is None:
        raise SnapshotError("class Template not found")
    fields = _class_fields(template_cls)
    reg = _find_def(tree, "register_template") or _find_def(tree, "_register_template")
    if reg is None:
        raise SnapshotError("register_template function not found")
    reg_src = _squash(_src(source, reg))
    encode_src = _squash(_src(source, _class_method(template_cls, "_encode")))

    engine: dict[str, Any] = {"register_function": reg.name}
    engine["force_system"] = "force_system" in fields
    engine["has_separator"] = "format_separator" in fields
    engine["has_prefix"] = "format_prefix" in fields

    # turn-0 system gate and separator placement, checked literally
    if engine["force_system"]:
        if "ifi==0and(systemortoolsorself.force_system):" not in encode_src:
            raise SnapshotError("unknown force_system gate")
    elif "ifsystemortools:" not in encode_src and "ifi==0and(systemortools):" not in encode_src:
        raise SnapshotError("unknown system gate")
    if "system=systemorself.default_system" not in encode_src:
        raise SnapshotError("default_system is not injected as `system or default_system`")
    if engine["has_separator"] and "i>0andi%2==0:elements+=self.format_separator.apply()" not in (
        encode_src
    ):
        raise SnapshotError("unknown separator placement")
    if 'self.format_user.apply(content=message["content"],idx=str(i//2))' not in encode_src:
        raise SnapshotError("unknown user formatter call")

    # template class selection
    if 'template_class=Llama2Templateifname.startswith("llama2")elseTemplate' in reg_src:
        engine["template_class_rule"] = "name_startswith_llama2"
    elif "template_class" in _function_defaults(reg):
        engine["template_class_rule"] = "explicit_argument"
    else:
        raise SnapshotError("unknown template_class rule")
    llama2 = _find_class(tree, "Llama2Template")
    if llama2 is not None:
        l2 = _squash(_src(source, _class_method(llama2, "_encode")))
        if "system_text=self.format_system.apply(content=(system+tool_text))[0]" not in l2:
            raise SnapshotError("unknown Llama2Template system fusing")
        if 'self.format_user.apply(content=system_text+message["content"])' not in l2:
            raise SnapshotError("unknown Llama2Template user call")

    # default slots resolution
    if 'eos_slots=[]ifefficient_eoselse[{"eos_token"}]' in reg_src:
        if 'default_assistant_formatter=StringFormatter(slots=["{{content}}"]+eos_slots)' not in (
            reg_src
        ):
            raise SnapshotError("unknown default assistant formatter")
    elif 'default_slots=["{{content}}"]ifefficient_eoselse["{{content}}",{"eos_token"}]' in (
        reg_src
    ):
        if "default_assistant_formatter=StringFormatter(slots=default_slots)" not in reg_src:
            raise SnapshotError("unknown default assistant formatter")
    else:
        raise SnapshotError("unknown default assistant slots")
    for needle in (
        "format_system=format_systemordefault_user_formatter",
        "format_observation=format_observationorformat_userordefault_user_formatter",
    ):
        if needle not in reg_src:
            raise SnapshotError(f"unknown default resolution ({needle})")
    if "Action:{{name}}\\nActionInput:{{arguments}}" in reg_src:
        engine["default_function"] = "action_input_text"
    elif "FunctionFormatter(slots=format_assistant.slots" in reg_src:
        engine["default_function"] = "assistant_slots"
    else:
        engine["default_function"] = "eos_slots"

    # jinja template replacement
    engine["replace_jinja_template_field"] = "replace_jinja_template" in fields
    # data arguments that change the rendering
    gt = _squash(_src(source, _find_def(tree, "get_template_and_fix_tokenizer")))
    engine["data_args_default_system"] = "template.default_system=data_args.default_system" in gt
    engine["data_args_enable_thinking"] = "template.enable_thinking=data_args.enable_thinking" in gt

    # thinking templates
    reasoning = _find_class(tree, "ReasoningTemplate")
    engine["reasoning_template"] = reasoning is not None
    if reasoning is not None:
        add = _squash(_src(source, _class_method(template_cls, "add_thought")))
        if 'f"{self.thought_words[0]}\\n\\n{self.thought_words[1]}\\n\\n"+content' in add:
            engine["empty_thought"] = "tw0_nl_nl_tw1_nl_nl"
        elif 'f"{self.thought_words[0]}{self.thought_words[1]}"+content' in add:
            engine["empty_thought"] = "tw0_tw1"
        else:
            raise SnapshotError("unknown add_thought")
        rm = _squash(_src(source, _class_method(template_cls, "remove_thought")))
        if (
            're.compile(f"{re.escape(self.thought_words[0])}(.*?){re.escape(self.thought_words[1])}"'
            not in rm
            or 're.sub(pattern,"",content).lstrip("\\n")' not in rm
        ):
            raise SnapshotError("unknown remove_thought")
        one = _squash(_src(source, _class_method(reasoning, "encode_oneturn")))
        multi = _squash(_src(source, _class_method(reasoning, "encode_multiturn")))
        engine["thought_check_strip"] = ".strip()notinmessages" in one
        engine["preserve_thinking"] = "self.preserve_thinking" in one
        for needle in (
            'foriinrange(1,len(messages)-2,2):messages[i]["content"]=self.remove_thought(',
            "ifnotself.enable_thinking:prompt_ids+=self.get_thought_word_ids(tokenizer)",
            "response_ids=self.get_thought_word_ids(tokenizer)+response_ids",
        ):
            if needle not in one:
                raise SnapshotError(f"unknown ReasoningTemplate.encode_oneturn ({needle})")
        for needle in (
            "ifself.enable_thinkingisFalse:",
            "encoded_messages[i]+=self.get_thought_word_ids(tokenizer)",
            "encoded_messages[i+1]=self.get_thought_word_ids(tokenizer)+encoded_messages[i+1]",
        ):
            if needle not in multi:
                raise SnapshotError(f"unknown ReasoningTemplate.encode_multiturn ({needle})")
        glm = _find_class(tree, "Glm47ReasoningTemplate")
        if glm is not None:
            g = _squash(_src(source, _class_method(glm, "add_thought")))
            if "ifnotcontent:returnself.thought_words[1]" not in g:
                raise SnapshotError("unknown Glm47ReasoningTemplate.add_thought")
    classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
    engine["template_classes"] = classes
    return engine


# --------------------------------------------------------------------------- registrations


def _registration_defaults(reg: ast.FunctionDef) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, node in _function_defaults(reg).items():
        if name.startswith("format_"):
            continue
        if name == "mm_plugin":
            out[name] = _mm_plugin(node)
        elif name == "template_class":
            out[name] = node.id if isinstance(node, ast.Name) else ast.unparse(node)
        else:
            out[name] = _const(node)
    # `x or (...)` fallbacks applied in the body (stop_words or [], thought_words or (...))
    for node in ast.walk(reg):
        if (
            isinstance(node, ast.keyword)
            and isinstance(node.value, ast.BoolOp)
            and isinstance(node.value.op, ast.Or)
            and len(node.value.values) == 2
            and isinstance(node.value.values[0], ast.Name)
            and node.value.values[0].id == node.arg
            and node.arg in ("stop_words", "thought_words", "tool_call_words")
        ):
            out[node.arg] = _const(node.value.values[1])
    return out


def parse_registrations(
    source: str, tree: ast.Module, engine: dict[str, Any]
) -> dict[str, tuple[dict[str, Any], int]]:
    reg = _find_def(tree, engine["register_function"])
    assert reg is not None
    defaults = _registration_defaults(reg)
    out: dict[str, tuple[dict[str, Any], int]] = {}
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            continue
        call = stmt.value
        if not (isinstance(call.func, ast.Name) and call.func.id == engine["register_function"]):
            continue
        kwargs: dict[str, ast.AST] = {kw.arg: kw.value for kw in call.keywords if kw.arg}
        if call.args:
            kwargs["name"] = call.args[0]
        name = _const(kwargs.pop("name"))
        given: dict[str, Any] = {}
        for key, node in kwargs.items():
            if key.startswith("format_"):
                given[key] = _formatter(node)
            elif key == "mm_plugin":
                given[key] = _mm_plugin(node)
            elif key == "template_class":
                given[key] = node.id if isinstance(node, ast.Name) else ast.unparse(node)
            else:
                given[key] = _const(node)
        unknown = set(given) - set(SLOT_FIELDS) - set(defaults) - {"name"}
        if unknown:
            raise SnapshotError(f"{name}: unknown register arguments {sorted(unknown)}")
        out[name] = (resolve(name, given, defaults, engine), call.lineno)
    return out


def resolve(
    name: str, given: dict[str, Any], defaults: dict[str, Any], engine: dict[str, Any]
) -> dict[str, Any]:
    """Apply the registration function's defaults the way that version does."""
    rec: dict[str, Any] = {}
    efficient_eos = bool(given.get("efficient_eos", defaults.get("efficient_eos", False)))
    eos = [] if efficient_eos else [{"special": "eos_token"}]

    def slots(field: str) -> list[Any] | None:
        f = given.get(field)
        return None if f is None else f["slots"]

    user = slots("format_user")
    rec["format_user"] = user if user is not None else ["{{content}}"]
    assistant = slots("format_assistant")
    rec["format_assistant"] = assistant if assistant is not None else ["{{content}}", *eos]
    system = slots("format_system")
    rec["format_system"] = system if system is not None else ["{{content}}"]
    observation = slots("format_observation")
    rec["format_observation"] = (
        observation if observation is not None else (user if user is not None else ["{{content}}"])
    )
    if engine["has_separator"]:
        sep = slots("format_separator")
        rec["format_separator"] = sep if sep is not None else []
    prefix = slots("format_prefix")
    rec["format_prefix"] = prefix if prefix is not None else []

    fn = given.get("format_function")
    if fn is not None:
        rec["format_function"] = {"slots": fn["slots"], "tool_format": fn.get("tool_format")}
    elif engine["default_function"] == "action_input_text":
        rec["format_function"] = {
            "slots": ["Action: {{name}}\nAction Input: {{arguments}}", *eos],
            "tool_format": None,
        }
    elif engine["default_function"] == "assistant_slots" and assistant is not None:
        rec["format_function"] = {"slots": assistant, "tool_format": "default"}
    else:
        rec["format_function"] = {"slots": ["{{content}}", *eos], "tool_format": "default"}
        if engine["register_function"] == "_register_template":  # <= 0.9.1: eos slots only
            rec["format_function"]["slots"] = list(eos)
    tools = given.get("format_tools")
    rec["format_tools"] = {"tool_format": tools.get("tool_format") if tools else "default"}

    rec["default_system"] = given.get("default_system", defaults.get("default_system", ""))
    rec["stop_words"] = list(given.get("stop_words") or defaults.get("stop_words") or [])
    rec["efficient_eos"] = efficient_eos
    rec["replace_eos"] = bool(given.get("replace_eos", defaults.get("replace_eos", False)))
    if engine["replace_jinja_template_field"]:
        rec["replace_jinja_template"] = bool(
            given.get("replace_jinja_template", defaults.get("replace_jinja_template"))
        )
    else:  # the generated jinja template always replaced the tokenizer's
        rec["replace_jinja_template"] = True
    if engine["force_system"]:
        rec["force_system"] = bool(given.get("force_system", False))
    if engine["template_class_rule"] == "name_startswith_llama2":
        rec["template_class"] = "Llama2Template" if name.startswith("llama2") else "Template"
    else:
        rec["template_class"] = given.get("template_class", defaults.get("template_class"))
    if "mm_plugin" in defaults:
        rec["mm_plugin"] = given.get("mm_plugin", defaults["mm_plugin"])
    if "image_token" in defaults:
        rec["image_token"] = given.get("image_token", defaults["image_token"])
    if "thought_words" in defaults:
        rec["thought_words"] = list(given.get("thought_words") or defaults["thought_words"])
    if "tool_call_words" in defaults:
        rec["tool_call_words"] = list(given.get("tool_call_words") or defaults["tool_call_words"])
    if "enable_thinking" in defaults:
        rec["enable_thinking"] = given.get("enable_thinking", defaults["enable_thinking"])
    if "preserve_thinking" in defaults:
        rec["preserve_thinking"] = given.get("preserve_thinking", defaults["preserve_thinking"])
    rec["explicit"] = sorted(k for k in given if k != "name")
    return rec


def record_id(rec: dict[str, Any]) -> str:
    blob = json.dumps(rec, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


# --------------------------------------------------------------------------- main


def version_label(git_dir: str, rev: str) -> str:
    if rev.startswith("v") and re.fullmatch(r"v\d+(\.\d+)+", rev):
        return rev[1:]
    for path in VERSION_PATHS:
        text = git_show(git_dir, rev, path)
        if text:
            m = re.search(r'^VERSION\s*=\s*"([^"]+)"', text, re.M)
            if m:
                return m.group(1)
    raise SnapshotError(f"cannot read the version of {rev}")


def snapshot(git_dir: str, revs: list[str]) -> dict[str, Any]:
    versions: list[dict[str, Any]] = []
    records: dict[str, dict[str, Any]] = {}
    for rev in revs:
        commit = git(git_dir, "rev-list", "-1", rev).strip()
        date = git(git_dir, "log", "-1", "--format=%cs", commit).strip()
        path = source = None
        for cand in TEMPLATE_PATHS:
            source = git_show(git_dir, commit, cand)
            if source is not None:
                path = cand
                break
        if source is None or path is None:
            raise SnapshotError(f"{rev}: template.py not found")
        tree = ast.parse(source)
        engine = detect_engine(source, tree)
        regs = parse_registrations(source, tree, engine)
        table: dict[str, list[Any]] = {}
        for name, (rec, line) in sorted(regs.items()):
            rid = record_id(rec)
            records.setdefault(rid, rec)
            table[name] = [rid, line]
        versions.append(
            {
                "version": version_label(git_dir, commit if rev == "HEAD" else rev),
                "tag": rev if rev != "HEAD" else None,
                "ref": rev,
                "commit": commit,
                "date": date,
                "file": path,
                "engine": engine,
                "templates": table,
            }
        )
        print(f"{rev:8} {commit[:12]} {date} {len(regs):4d} templates", file=sys.stderr)
    return {
        "_about": (
            "LLaMA-Factory chat templates per release, derived by "
            "scripts/snapshot_llamafactory_templates.py with an AST pass over the "
            "register_template(...) calls (no upstream code is copied or imported). "
            "Lookup: records[versions[i].templates[name][0]]; templates[name][1] is the line of "
            "the register call in `file` at `commit`."
        ),
        "source": {
            "repository": REPOSITORY,
            "url": f"https://github.com/{REPOSITORY}",
            "paths": TEMPLATE_PATHS,
            "generated_by": "scripts/snapshot_llamafactory_templates.py",
        },
        "notation": {
            "slots": (
                "strings are literal text with {{content}} (and {{idx}} in the user slot) "
                "substituted once each, in that order; {'token': X} is the special token X; "
                "{'special': 'bos_token'|'eos_token'} is the tokenizer's bos/eos at encode time "
                "(the eos is stop_words[0] when replace_eos); {'set': [...]} is any other "
                "set item, which LLaMA-Factory encodes as nothing."
            ),
            "engine": (
                "per-version rendering mechanics detected from the Template classes: "
                "force_system (<=0.8.1: system slot at turn 0 even when empty if the template "
                "sets force_system), has_separator (<=0.9.1: format_separator before every even "
                "turn > 0), has_prefix, template_class_rule, reasoning_template details."
            ),
            "explicit": "register_template keyword arguments given explicitly (others: defaults)",
        },
        "versions": versions,
        "records": dict(sorted(records.items())),
    }


def dump(data: dict[str, Any]) -> str:
    """JSON with one template record / one version's template per line (readable diffs)."""

    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    lines = ["{"]
    for key in ("_about", "source", "notation"):
        block = json.dumps(data[key], ensure_ascii=False, indent=1).replace("\n", "\n ")
        lines.append(f" {one(key)}: {block},")
    lines.append(' "versions": [')
    for vi, v in enumerate(data["versions"]):
        lines.append("  {")
        for key in ("version", "tag", "ref", "commit", "date", "file", "engine"):
            lines.append(f"   {one(key)}: {one(v[key])},")
        lines.append('   "templates": {')
        names = list(v["templates"])
        for ti, name in enumerate(names):
            comma = "," if ti < len(names) - 1 else ""
            lines.append(f"    {one(name)}: {one(v['templates'][name])}{comma}")
        lines.append("   }")
        lines.append("  }" + ("," if vi < len(data["versions"]) - 1 else ""))
    lines.append(" ],")
    lines.append(' "records": {')
    ids = list(data["records"])
    for ri, rid in enumerate(ids):
        comma = "," if ri < len(ids) - 1 else ""
        lines.append(f"  {one(rid)}: {one(data['records'][rid])}{comma}")
    lines.append(" }")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == data
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--git-dir", required=True, help="bare git directory of LLaMA-Factory")
    ap.add_argument("--revs", nargs="*", default=DEFAULT_TAGS, help="tags / refs to snapshot")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    data = snapshot(args.git_dir, args.revs)
    text = dump(data)
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text)} bytes, {len(data['records'])} records)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
