"""What LMDeploy sends the model: its built-in chat templates, by version.

LMDeploy (``lmdeploy serve api_server`` / ``lmdeploy.pipeline``) picks a chat template from the
model path. Up to v0.9.2 it walks its own registry (``lmdeploy/model.py``, ``MODELS``) and takes
the first class whose ``match()`` accepts the lower-cased path; nothing matching means ``base``,
which has no chat format at all (chat requests fail). From v0.10 most of the registry is gone:
a few path-name templates (``llama2``, ``vicuna``, ``mistral`` …) still win, otherwise the
tokenizer's Hugging Face template is used (``hf``), else ``base`` (plain concatenation).

All facts come from ``deploylint/data/lmdeploy_templates.json``, written by
``scripts/snapshot_lmdeploy_templates.py`` from every release tag's source; this module only
evaluates that data (stdlib and ``packaging`` only, loaded on first use). ``render`` reproduces
the string ``messages2prompt`` builds for a version; it is checked byte for byte against outputs of
the real code (``testdata/lmdeploy/goldens.json``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from ..versions import MAX_TEXT, Timeline, Version, releases_timeline

__all__ = [
    "LMDeployRejects",
    "ResolvedTemplate",
    "TemplateChoice",
    "UnsupportedMessage",
    "builtin_template",
    "default_system",
    "known_versions",
    "load_chat_template_json",
    "match_template",
    "render",
    "resolve_version",
    "stop_words",
]

REPOSITORY = "InternLM/lmdeploy"
MODEL_PY = "lmdeploy/model.py"
_CUSTOM = "<unregistered>"


class LMDeployRejects(ValueError):
    """LMDeploy itself refuses this request or configuration (message says how)."""


class UnsupportedMessage(ValueError):
    """A message shape this renderer does not reproduce (tool calls, tools=…)."""


# --------------------------------------------------------------------------------------------
# data and versions
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    ref = resources.files("deploylint") / "data" / "lmdeploy_templates.json"
    return json.loads(ref.read_text(encoding="utf-8"))


_PREFIX = re.compile(r"^\s*lmdeploy\s*(?:==|@|\s)\s*", re.IGNORECASE)


def _version(text: str) -> Version:
    """The version in ``0.7.3``, ``v0.9.2.post1``, ``lmdeploy==0.6.5`` (ValueError otherwise)."""
    v = Version.parse(_PREFIX.sub("", text, count=1))
    if v is None:
        raise ValueError(f"not an LMDeploy version: {text[:MAX_TEXT]!r}")
    return v


@lru_cache(maxsize=1)
def _tags() -> Timeline[tuple[str, int]]:
    """(tag, snapshot index) of every release tag, as a ``Timeline`` (each tag answers up to the
    next one; the newest from it on)."""
    return releases_timeline(
        [
            (_version(tag), (tag, i))
            for i, snap in enumerate(_data()["snapshots"])
            for tag in snap["versions"]
        ],
        "LMDeploy",
    )


def known_versions() -> list[str]:
    """Release tags covered by the data, oldest first."""
    return [e.value[0] for e in _tags().entries]


def _tag(version: str | None) -> tuple[str, int]:
    tags = _tags()
    if version is None:
        return tags.newest().value
    entry = tags.find(_version(version))
    if entry is None:
        oldest = tags.entries[0].value[0]
        raise ValueError(f"LMDeploy {version} is older than the oldest snapshot ({oldest})")
    return entry.value


def resolve_version(version: str | None) -> str:
    """The release tag whose data applies to ``version`` (the newest release not newer than it).

    ``None`` means the newest known release. A version older than the oldest snapshot raises
    ``ValueError``; one newer than the newest maps to the newest (LMDeploy may have changed since).
    """
    return _tag(version)[0]


def _snapshot(version: str | None) -> tuple[str, dict[str, Any]]:
    tag, i = _tag(version)
    return tag, _data()["snapshots"][i]


def _source(snap: Mapping[str, Any], line: int | None) -> dict[str, Any]:
    first = snap["tags"][0]
    out: dict[str, Any] = {
        "repository": REPOSITORY,
        "path": MODEL_PY,
        "tag": first["tag"],
        "commit": first["commit"],
    }
    if line is not None:
        out["line"] = line
    return out


# --------------------------------------------------------------------------------------------
# match rules
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ctx:
    path: str
    lower: str
    config: Mapping[str, Any] | None
    hf_chat_template: bool | None
    notes: list[str]


def _eval(expr: Mapping[str, Any], ctx: _Ctx) -> bool:
    if "always" in expr:
        return True
    if "all" in expr:
        return all(_eval(e, ctx) for e in expr["all"])
    if "any" in expr:
        return any(_eval(e, ctx) for e in expr["any"])
    if "not" in expr:
        return not _eval(expr["not"], ctx)
    subject = ctx.path if expr.get("case") == "raw" else ctx.lower
    for op in ("contains", "not_contains", "startswith", "endswith"):
        if op in expr:
            needle = expr[op]
            if op == "contains":
                return needle in subject
            if op == "not_contains":
                return needle not in subject
            if op == "startswith":
                return subject.startswith(needle)
            return subject.endswith(needle)
    if "config_architecture" in expr or "config_model_type" in expr:
        if ctx.config is None:
            ctx.notes.append("config.json not given: config-based templates assumed not to match")
            return False
        if "config_architecture" in expr:
            archs = ctx.config.get("architectures") or [None]
            return archs[0] == expr["config_architecture"]
        return ctx.config.get("model_type") == expr["config_model_type"]
    if "hf_chat_template" in expr:
        if ctx.hf_chat_template is None:
            ctx.notes.append(
                "assumed the tokenizer (or processor) has a chat template; pass "
                "hf_chat_template=False if it has none (LMDeploy then uses 'base')"
            )
            return True
        return bool(ctx.hf_chat_template)
    raise ValueError(f"unknown match expression {expr!r}")


def _describe(expr: Mapping[str, Any]) -> str:
    if "always" in expr:
        return "always"
    if "all" in expr:
        return " and ".join(_describe(e) for e in expr["all"])
    if "any" in expr:
        return "(" + " or ".join(_describe(e) for e in expr["any"]) + ")"
    if "not" in expr:
        return f"not ({_describe(expr['not'])})"
    words = {
        "contains": "contains",
        "not_contains": "does not contain",
        "startswith": "starts with",
        "endswith": "ends with",
    }
    for op, word in words.items():
        if op in expr:
            return f"{word} {expr[op]!r}"
    if "config_architecture" in expr:
        return f"config architectures[0] is {expr['config_architecture']!r}"
    if "config_model_type" in expr:
        return f"config model_type is {expr['config_model_type']!r}"
    if "hf_chat_template" in expr:
        return "the tokenizer has a chat template"
    return json.dumps(expr)


def _run_rules(rules: Sequence[Mapping[str, Any]], ctx: _Ctx) -> tuple[str | None, Mapping | None]:
    for rule in rules:
        if _eval(rule["when"], ctx):
            return rule["returns"], rule
    return None, None


# --------------------------------------------------------------------------------------------
# public types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateChoice:
    """The template LMDeploy picks for a model path at a version."""

    name: str
    reason: str
    source: Mapping[str, Any]
    version: str
    versions: tuple[str, ...]
    template_class: str
    fallback: bool = False
    uses_hf_template: bool = False
    rule: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResolvedTemplate:
    """A concrete template instance (built-in, possibly overridden by a --chat-template JSON)."""

    name: str
    version: str
    template_class: str
    attributes: Mapping[str, Any]
    render_spec: Mapping[str, Any]
    source: Mapping[str, Any]
    notes: tuple[str, ...] = field(default=())

    @property
    def uses_hf_template(self) -> bool:
        return self.render_spec.get("algo") == "hf"


# --------------------------------------------------------------------------------------------
# selection
# --------------------------------------------------------------------------------------------


def _definition(snap: Mapping[str, Any], name: str) -> tuple[dict[str, Any], Mapping[str, Any]]:
    ref = snap["templates"][name]
    return _data()["definitions"][ref["def"]], ref


def match_template(
    model_path: str,
    version: str | None = None,
    *,
    model_name: str | None = None,
    hf_chat_template: bool | None = None,
    config: Mapping[str, Any] | None = None,
) -> TemplateChoice:
    """The chat template ``lmdeploy serve api_server <model_path>`` / ``pipeline(model_path)``
    uses at ``version`` (``None``: newest known) when no ``--chat-template`` is given.

    ``model_name`` is ``--model-name``: only v0.5.x let it pick a registered template.
    ``hf_chat_template`` (≥ v0.10): whether the model's tokenizer/processor has a chat template;
    ``None`` assumes it has. ``config`` is the model's ``config.json`` (for templates that match
    on the architecture, v0.15+ DeepSeek-V3.2/V4). TurboMind workspaces (``triton_models/``) read
    the template name from their ``config.yaml`` instead; that case is not modelled here.
    """
    tag, snap = _snapshot(version)
    sel = snap["selection"]
    notes: list[str] = []
    versions = tuple(snap["versions"])
    if model_name and sel.get("model_name_selects_template") and model_name in snap["templates"]:
        if model_name != _CUSTOM:
            d, ref = _definition(snap, model_name)
            return TemplateChoice(
                name=model_name,
                reason=f"--model-name {model_name!r} is a registered template name (LMDeploy "
                f"{tag} uses it before matching the path)",
                source=_source(snap, ref["line"]),
                version=tag,
                versions=versions,
                template_class=d["class"],
                uses_hf_template=d["render"]["algo"] == "hf",
            )
    ctx = _Ctx(model_path, model_path.lower(), config, hf_chat_template, notes)
    for key in snap["registry_order"]:
        d, ref = _definition(snap, key)
        returned, rule = _run_rules(d["match"]["rules"], ctx)
        if not returned:
            continue
        name = key if sel["returns"] == "registry_key" else returned
        chosen, chosen_ref = _definition(snap, name) if name in snap["templates"] else (d, ref)
        is_hf = chosen["render"]["algo"] == "hf"
        assert rule is not None
        where = f"{d['match']['defined_in']}.match, {MODEL_PY}:{ref['match_line']} @ {tag}"
        if is_hf:
            reason = (
                f"no path-name template matched; {_describe(rule['when'])} ({where}), so "
                "transformers' apply_chat_template renders the prompt"
            )
        else:
            reason = f"lower-cased path {_describe(rule['when'])} ({where})"
            if sel["returns"] == "registry_key" and returned != key:
                reason += f"; match() returned {returned!r}, LMDeploy uses the registry key"
        return TemplateChoice(
            name=name,
            reason=reason,
            source={**_source(snap, chosen_ref["line"]), "match_line": ref["match_line"]},
            version=tag,
            versions=versions,
            template_class=chosen["class"],
            uses_hf_template=is_hf,
            rule=rule,
            notes=tuple(dict.fromkeys(notes)),
        )
    fallback = sel.get("fallback") or "base"
    d, ref = _definition(snap, fallback)
    how = {
        "error": "chat requests with a message list are rejected ('You are using base template "
        "to handle chat task…'); plain-string prompts pass through unchanged",
        "unhandled_error": "messages2prompt returns None for a message list, so chat requests "
        "fail; plain-string prompts pass through unchanged",
        "concatenate": "messages are concatenated with empty role markers (no chat format)",
    }.get(sel.get("base_template_with_messages", ""), "")
    return TemplateChoice(
        name=fallback,
        reason=f"no template's match() accepted {model_path!r}: LMDeploy {tag} logs 'Did not "
        f"find a chat template matching {model_path}.' and falls back to {fallback!r}; {how}",
        source={**_source(snap, ref["line"]), "selection_line": sel.get("line")},
        version=tag,
        versions=versions,
        template_class=d["class"],
        fallback=True,
        notes=tuple(dict.fromkeys(notes)),
    )


def builtin_template(
    name: str, version: str | None = None, *, via_cli: bool = True
) -> ResolvedTemplate:
    """The template ``--chat-template NAME`` (a built-in name, not a file) gives at ``version``.

    ``via_cli`` applies the CLI's own checks (v0.10–v0.11: deprecated names fall back to ``hf``,
    removed names are an error; v0.12–v0.14: the CLI imports lists that ``model.py`` no longer
    has, so any built-in name fails). ``via_cli=False`` is ``ChatTemplateConfig(model_name=NAME)``
    in Python (``pipeline(..., chat_template_config=...)``).
    """
    tag, snap = _snapshot(version)
    sel = snap["selection"]
    if via_cli:
        if sel.get("cli_builtin_name") == "import_error":
            missing = ", ".join(sel.get("cli_missing_imports", []))
            raise LMDeployRejects(
                f"LMDeploy {tag}: --chat-template {name!r} fails in cli/utils.py "
                f"get_chat_template: ImportError ({missing} not in lmdeploy.model)"
            )
        if sel.get("cli_removed_error") and name in snap["removed_names"]:
            raise LMDeployRejects(f"LMDeploy {tag}: the chat template {name!r} has been removed")
        if sel.get("cli_deprecated_to_hf") and name in snap["deprecated_names"]:
            name = "hf"
        if name not in snap["templates"] or name == _CUSTOM:
            raise LMDeployRejects(f"LMDeploy {tag}: chat template {name!r} is not registered")
    return _instantiate(tag, snap, name, {})


def _instantiate(
    tag: str, snap: Mapping[str, Any], name: str, fields: Mapping[str, Any]
) -> ResolvedTemplate:
    """ChatTemplateConfig(model_name=name, **fields).chat_template at this snapshot."""
    notes: list[str] = []
    if name in snap["removed_names"]:
        notes.append(f"{name!r} was removed in LMDeploy {tag}: falls back to 'base'")
        name = "base"
    if name in snap["deprecated_names"]:
        notes.append(f"{name!r} is deprecated in LMDeploy {tag}: the HF chat template is used")
        name = "hf"
    if name in snap["templates"] and name != _CUSTOM:
        key = name
        if name in snap["selection"].get("registry_get_fails", []):
            # mmengine's Registry.get splits 'a.b' into scope 'a' and key 'b' and returns None,
            # so ChatTemplateConfig(name).chat_template calls None(**attrs).
            raise LMDeployRejects(
                f"LMDeploy {tag}: MODELS.get({name!r}) is None ('.' is mmengine's scope "
                "separator), so building the template raises TypeError"
            )
    else:
        key = _CUSTOM
        notes.append(
            f"{name!r} is not a registered template: BaseChatTemplate with the given fields"
        )
    d, ref = _definition(snap, key)
    attrs = dict(d["attributes"])
    ignored = []
    for f, value in fields.items():
        if value is None or f in ("model_name", "model_path"):
            continue
        targets = d["override_exceptions"].get(f, [f])
        if not targets:
            ignored.append(f)
        for t in targets:
            attrs[t] = value
    if ignored:
        notes.append(f"{d['class']} ignores {', '.join(sorted(ignored))}")
    return ResolvedTemplate(
        name=name,
        version=tag,
        template_class=d["class"],
        attributes=attrs,
        render_spec=d["render"],
        source=_source(snap, ref["line"]),
        notes=tuple(notes),
    )


def load_chat_template_json(obj: Mapping[str, Any], version: str | None = None) -> ResolvedTemplate:
    """What a ``--chat-template`` JSON file (``ChatTemplateConfig`` fields) becomes at ``version``.

    ``model_name`` naming a registered template: that class with the non-null fields overriding
    its defaults (attributes a class does not take are ignored, e.g. ``system`` for ``chatglm``).
    Any other (or no) ``model_name``: a new ``BaseChatTemplate`` built from the given fields only.
    v0.10–v0.11 map deprecated names to the HF template (the overrides are then lost) and removed
    names to ``base``. Unknown keys raise ``LMDeployRejects`` (LMDeploy fails with a TypeError).
    """
    tag, snap = _snapshot(version)
    allowed = set(snap["chat_template_config_fields"])
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise LMDeployRejects(
            f"LMDeploy {tag}: ChatTemplateConfig has no field(s) {', '.join(unknown)} "
            f"(from_json raises TypeError); allowed: {', '.join(sorted(allowed))}"
        )
    name = obj.get("model_name")
    if not name:
        name = "<random uuid>"  # from_json registers a random name as BaseChatTemplate
    resolved = _instantiate(tag, snap, name, obj)
    return resolved


def _resolve(template: TemplateChoice | ResolvedTemplate | str, version: str | None):
    if isinstance(template, ResolvedTemplate):
        return template
    if isinstance(template, TemplateChoice):
        return builtin_template(template.name, template.version, via_cli=False)
    return builtin_template(template, version, via_cli=False)


# --------------------------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------------------------


def _text(content: Any, get_text: bool) -> str:
    if isinstance(content, str):
        return content
    if get_text:
        return content[0]["text"]
    return f"{content}"


def _no_tool_calls(messages: Sequence[Mapping[str, Any]]) -> None:
    for m in messages:
        if m.get("tool_calls") is not None:
            raise UnsupportedMessage("assistant tool_calls are not rendered")


def _role_error(tag: str, role: str) -> LMDeployRejects:
    return LMDeployRejects(f"LMDeploy {tag}: this template has no {role!r} role (KeyError)")


def _cut(ret: str, n: int) -> str:
    return ret[:-n] if n else ""  # Python: ret[:-0] == ''


def _algo_base(a, msgs, opts, tag):
    box = {"user": a["user"], "assistant": a["assistant"], "system": a["system"]}
    eox = {"user": a["eoh"], "assistant": a["eoa"] + a["separator"], "system": a["eosys"]}
    if opts.get("tool_role"):
        box["tool"], eox["tool"] = a.get("tool", ""), a.get("eotool", "")
    ret = ""
    if a["meta_instruction"] is not None and msgs and msgs[0]["role"] != "system":
        ret += f"{a['system']}{a['meta_instruction']}{a['eosys']}"
    for m in msgs:
        role = m["role"]
        if role not in box:
            raise _role_error(tag, role)
        ret += f"{box[role]}{_text(m['content'], opts['get_text'])}{eox[role]}"
    if msgs and msgs[-1]["role"] == "assistant":
        end = eox["assistant"]
        mode = opts["last_assistant"]
        if mode == "cut_eox":
            return _cut(ret, len(end)), None
        if end or mode == "cut_eox_or_keep":
            return _cut(ret, len(end)) if end else ret, None
    return ret + a["assistant"], len(ret)


def _algo_internlm2(a, msgs, opts, tag):
    box = {
        "user": a["user"],
        "assistant": a["assistant"],
        "system": a["system"],
        "environment": a["environment"],
    }
    eox = {
        "user": a["eoh"],
        "assistant": a["eoa"] + a["separator"],
        "system": a["eosys"],
        "environment": a["eoenv"],
    }
    if opts.get("tool_role"):
        box["tool"], eox["tool"] = a["environment"], a["eoenv"]
    names = {"plugin": a["plugin"], "interpreter": a["interpreter"]}
    ret = ""
    if a["meta_instruction"] is not None and msgs and msgs[0]["role"] != "system":
        ret += f"{a['system']}{a['meta_instruction']}{a['eosys']}"
    for m in msgs:
        role = m["role"]
        if role not in box:
            raise _role_error(tag, role)
        if "name" in m and m["name"] in names:
            begin = box[role].strip() + f" name={names[m['name']]}\n"
        else:
            begin = box[role]
        ret += f"{begin}{_text(m['content'], opts['get_text'])}{eox[role]}"
    if msgs and msgs[-1]["role"] == "assistant":
        return _cut(ret, len(eox["assistant"])), None
    return ret + a["assistant"], len(ret)


def _algo_interns1(a, msgs, opts, tag, enable_thinking):
    box = {
        "user": a["user"],
        "assistant": a["assistant"],
        "system": a["system"],
        "environment": a["environment"],
        "tool": a["environment"],
    }
    eox = {
        "user": a["eoh"],
        "assistant": a["eoa"] + a["separator"],
        "system": a["eosys"],
        "environment": a["eoenv"],
        "tool": a["eoenv"],
    }
    names = {"plugin": a["plugin"], "interpreter": a["interpreter"]}
    ret = ""
    if a["meta_instruction"] is not None and msgs:
        if msgs[0]["role"] != "system" and enable_thinking is not False:
            ret += f"{a['system']}{a['meta_instruction']}{eox['system']}"
    last_user = max((i for i, m in enumerate(msgs) if m["role"] == "user"), default=-1)
    for i, m in enumerate(msgs):
        role = m["role"]
        if role not in box:
            raise _role_error(tag, role)
        content = _text(m["content"], True)
        if last_user != -1 and i > last_user and m.get("reasoning_content") is not None:
            content = f"<think>\n{m['reasoning_content']}\n</think>\n{content}"
        if "name" in m:
            begin = box[role].strip()
            if m["name"] in names:
                begin += f" name={names[m['name']]}\n"
            elif role == "tool":
                begin += f" name={names['plugin']}\n"
        else:
            begin = box[role]
        ret += f"{begin}{content}{eox[role]}"
    if msgs and msgs[-1]["role"] == "assistant":
        return _cut(ret, len(eox["assistant"])), None
    gen = len(ret)
    ret += a["assistant"]
    if enable_thinking is not False:
        ret += "<think>"
    return ret, gen


def _algo_llama3_1(a, msgs, opts, tag):
    box = {"user": a["user"], "ipython": a["ipython"], "assistant": a["assistant"]}
    box["system"] = a["system"]
    eox = {"user": a["eoh"], "ipython": a["eoi"], "assistant": a["eoa"] + a["separator"]}
    eox["system"] = a["eosys"]
    if opts.get("tool_role"):
        box["tool"], eox["tool"] = a["ipython"], a["eoi"]
    ret = ""
    if a["meta_instruction"] is not None and msgs and msgs[0]["role"] != "system":
        ret += f"{a['system']}{a['knowledge']}{a['meta_instruction']}{a['eosys']}"
    for m in msgs:
        role = m["role"]
        if role not in box:
            raise _role_error(tag, role)
        content = _text(m["content"], opts["get_text"])
        if role == "assistant" and ("<|python_tag|>" in content or "</function>" in content):
            ret += f"{box[role]}{content}<|eom_id|>"
        else:
            ret += f"{box[role]}{content}{eox[role]}"
    ret = "<|begin_of_text|>" + ret
    if msgs and msgs[-1]["role"] == "assistant":
        return _cut(ret, len(eox["assistant"])), None
    return ret + a["assistant"], len(ret)


def _algo_qwen2d5(a, msgs, opts, tag):
    box = {"user": a["user"], "assistant": a["assistant"], "system": a["system"]}
    sep = a["separator"]
    ret = ""
    if a["meta_instruction"] is not None:
        if msgs and msgs[0]["role"] == "system":
            ret += f"{a['system']}{msgs[0]['content']}{a['eosys']}"
        else:
            ret += f"{a['system']}{a['meta_instruction']}{a['eosys']}"
    for i, m in enumerate(msgs):
        role = m["role"]
        if role == "user" or (role == "system" and i != 0) or role == "assistant":
            ret += f"{box[role]}{_text(m['content'], opts['get_text'])}{a['eosys']}"
        if role == "tool":
            if i == 0 or msgs[i - 1]["role"] != "tool":
                ret += "<|im_start|>user"
            ret += f"{sep}<tool_response>{sep}{m['content']}{sep}</tool_response>"
            if i == len(msgs) - 1 or msgs[i + 1]["role"] != "tool":
                ret += a["eoh"]
    return ret + a["assistant"], len(ret)


def _algo_chatglm2(a, msgs, opts, tag):
    ret = ""
    count = 0
    gen = None
    for m in msgs:
        content = _text(m["content"], opts["get_text"])
        if m["role"] == "user":
            count += 1
            ret += f"[Round {count}]\n\n{a['_user']}{content}{a['_eoh']}"
            gen = len(ret)
            ret += a["_assistant"]
        if m["role"] == "assistant":
            gen = None
            ret += content
    return ret, gen


_ALGOS = {
    "base": _algo_base,
    "internlm2": _algo_internlm2,
    "llama3_1": _algo_llama3_1,
    "qwen2d5": _algo_qwen2d5,
    "chatglm2": _algo_chatglm2,
}


def render(
    template: TemplateChoice | ResolvedTemplate | str,
    messages: Sequence[Mapping[str, Any]],
    *,
    version: str | None = None,
    add_generation_prompt: bool = True,
    enable_thinking: bool | None = None,
) -> str | None:
    """The prompt string LMDeploy's ``messages2prompt`` builds (``sequence_start=True``).

    ``template`` is a ``TemplateChoice`` (its version is used), a ``ResolvedTemplate`` (from
    ``load_chat_template_json`` / ``builtin_template``) or a built-in name resolved at
    ``version``. Returns ``None`` when the prompt is not built from LMDeploy's own strings: the HF
    template (≥ v0.10, the caller renders the model's Jinja template) and the DeepSeek-V3.2/V4
    encoders. ≤ v0.9.2's ``base`` raises ``LMDeployRejects`` (LMDeploy refuses chat messages).

    LMDeploy has no ``add_generation_prompt`` switch: it always opens the assistant turn unless
    the last message is from the assistant (then that message is left open for the model to
    continue). ``add_generation_prompt=False`` drops what LMDeploy appends after the last
    message (assistant prefix, ``<think>`` …). ``enable_thinking`` is the request's
    ``enable_thinking`` (Qwen3 / Intern-S1 templates).

    Not modelled: tools / tool_calls (``UnsupportedMessage``), the BOS token the tokenizer may
    add when encoding, and image placeholders that VLM pipelines insert into user text before
    calling ``messages2prompt`` (text-only content renders the same).
    """
    t = _resolve(template, version)
    spec = t.render_spec
    algo = spec["algo"]
    if algo in ("hf", "external"):
        return None
    if algo == "base_model":
        raise LMDeployRejects(
            f"LMDeploy {t.version}: 'base' has no chat format; chat requests fail ('You are "
            "using base template to handle chat task. Please specify a `--chat-template` …')"
        )
    msgs = list(messages)
    _no_tool_calls(msgs)
    opts = spec.get("options", {})
    attrs = t.attributes
    if algo == "interns1":
        text, gen = _algo_interns1(attrs, msgs, opts, t.version, enable_thinking)
    elif algo in _ALGOS:
        text, gen = _ALGOS[algo](attrs, msgs, opts, t.version)
    else:
        raise ValueError(f"unknown render algorithm {algo!r} (data newer than this module?)")
    assistant_last = bool(msgs) and msgs[-1]["role"] == "assistant"
    for w in spec.get("wrappers", []):
        op = w["op"]
        if op in ("prefix", "prefix_attr"):
            value = w["value"] if op == "prefix" else attrs[w["attr"]]
            text = value + text
            gen = None if gen is None else gen + len(value)
        elif op == "suffix" or (op == "suffix_if_no_thinking" and enable_thinking is False):
            if gen is None:
                gen = len(text)
            text += w["value"]
        elif op == "suffix_if_no_thinking":
            continue
        elif op == "strip_last_char" or (
            op == "strip_last_char_unless_assistant_last" and not assistant_last
        ):
            text = text[:-1]
            if gen is not None:
                gen = min(gen, len(text))
        elif op == "strip_last_char_unless_assistant_last":
            continue
        else:
            raise ValueError(f"unknown wrapper {op!r}")
    if not add_generation_prompt and gen is not None:
        text = text[:gen]
    return text


def default_system(name: str | TemplateChoice | ResolvedTemplate, version: str | None = None):
    """The system text LMDeploy injects when the first message is not a system message.

    ``None``: nothing is injected (``meta_instruction`` is None, the template has no system
    turn, or the HF template decides). ``''`` means an empty system turn is still emitted
    (e.g. ``qwen3`` in v0.9.x renders ``<|im_start|>system\\n<|im_end|>``). For ``llama3_1`` the
    knowledge-cutoff lines are part of the injected text.
    """
    t = _resolve(name, version)
    algo = t.render_spec["algo"]
    if algo in ("hf", "external", "base_model", "chatglm2"):
        return None
    meta = t.attributes.get("meta_instruction")
    if meta is None:
        return None
    if algo == "llama3_1":
        return f"{t.attributes.get('knowledge', '')}{meta}"
    return meta


def stop_words(name: str | TemplateChoice | ResolvedTemplate, version: str | None = None):
    """The template's ``stop_words`` (``[]`` when None; the HF template's come from the
    tokenizer at run time and are not known here)."""
    t = _resolve(name, version)
    return list(t.attributes.get("stop_words") or [])
