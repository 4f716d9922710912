"""LLaMA-Factory chat formatting, by LLaMA-Factory version: data lookup, emulator, Jinja export.

LLaMA-Factory (``hiyouga/LLaMA-Factory``) does not use the model's Jinja chat template when it
trains or runs inference with ``template: <name>``: it concatenates the "slots" of its own
registered template (``src/llamafactory/data/template.py``). Those slots changed between
releases (``qwen``'s default system prompt, ``llama3``'s, the separator/prefix mechanics,
thinking templates ...). ``deploylint/data/llamafactory_templates.json`` holds them per release
(built by ``scripts/snapshot_llamafactory_templates.py`` from the upstream source); this module

* looks a template up by name and version (:func:`get_template`, :func:`versions`),
* reproduces, as text, what LLaMA-Factory encodes at that version (:func:`format_conversation`):
  the inference prompt (``Template.encode_oneturn`` on ``messages + [empty assistant]``) when
  ``add_generation_prompt`` is true and the conversation does not end with an assistant turn,
  else the training sequence (``encode_multiturn`` as the supervised processor concatenates it,
  with the final eos of ``efficient_eos`` templates),
* writes a Hugging Face chat template that renders the same text (:func:`to_jinja`), for
  ``deploylint export-template --from llamafactory:NAME@VERSION``.

Only the standard library is used; the data file is read on first use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..versions import MAX_TEXT, Specifier, Timeline, Version, releases_timeline

__all__ = [
    "LFTemplate",
    "versions",
    "template_names",
    "get_template",
    "resolve_version",
    "history",
    "format_conversation",
    "to_jinja",
    "parse_spec",
    "export_template",
]

DATA_FILE = "llamafactory_templates.json"

#: template classes whose rendering this module reproduces
SUPPORTED_CLASSES = ("Template", "Llama2Template", "ReasoningTemplate", "Glm47ReasoningTemplate")
REASONING_CLASSES = ("ReasoningTemplate", "Glm47ReasoningTemplate")
#: mm plugins whose placeholder expansion is reproduced (unexpanded form: one pad token, which
#: the processor / serving engine expands to the image's patch count)
VISION_PLUGINS = {"qwen2_vl": ("image", "video"), "qwen3_vl": ("image",)}
IMAGE_PLACEHOLDER = "<image>"
VIDEO_PLACEHOLDER = "<video>"
#: LLaMA-Factory adds this eos when the tokenizer has none (Template.fix_special_tokens)
FALLBACK_EOS = "<|endoftext|>"
#: the data_args.enable_thinking default (hparams/data_args.py, >= 0.9.3)
DEFAULT_ENABLE_THINKING = True


@dataclass(frozen=True)
class LFTemplate:
    """One LLaMA-Factory template as registered at one version."""

    name: str
    version: str  # LLaMA-Factory version label of the snapshot, e.g. "0.9.1", "0.9.6.dev0"
    tag: str | None  # git tag, None for a branch-head snapshot
    commit: str
    file: str
    line: int
    format_user: list[Any]
    format_assistant: list[Any]
    format_system: list[Any]
    format_observation: list[Any]
    format_prefix: list[Any]
    format_separator: list[Any]
    format_function: dict[str, Any]
    format_tools: dict[str, Any]
    default_system: str
    stop_words: list[str]
    efficient_eos: bool
    replace_eos: bool
    replace_jinja_template: bool
    force_system: bool
    template_class: str
    mm_plugin: dict[str, Any] | None
    thought_words: list[str] | None
    enable_thinking: bool | None
    engine: dict[str, Any] = field(repr=False)
    record: dict[str, Any] = field(repr=False)

    @property
    def source(self) -> str:
        ref = self.tag or self.commit[:12]
        return f"hiyouga/LLaMA-Factory {ref} {self.file}:{self.line} (commit {self.commit})"

    @property
    def is_reasoning(self) -> bool:
        return self.template_class in REASONING_CLASSES

    @property
    def eos_replacement(self) -> str | None:
        """The eos LLaMA-Factory writes into the tokenizer (stop_words[0]) when replace_eos."""
        return self.stop_words[0] if self.replace_eos and self.stop_words else None

    @property
    def empty_thought(self) -> str:
        """Text of the empty thought LLaMA-Factory inserts (ReasoningTemplate.add_thought(''))."""
        if not self.is_reasoning or not self.thought_words:
            return ""
        tw0, tw1 = self.thought_words
        if self.template_class == "Glm47ReasoningTemplate":
            return tw1
        if self.engine.get("empty_thought") == "tw0_nl_nl_tw1_nl_nl":
            return f"{tw0}\n\n{tw1}\n\n"
        return f"{tw0}{tw1}"

    @property
    def thought_check(self) -> tuple[str, str]:
        """Words whose absence makes LLaMA-Factory add the empty thought."""
        assert self.thought_words
        tw0, tw1 = self.thought_words
        if self.engine.get("thought_check_strip"):
            return tw0.strip(), tw1.strip()
        return tw0, tw1


# --------------------------------------------------------------------------- data


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    path = Path(__file__).resolve().parent.parent / "data" / DATA_FILE
    return json.loads(path.read_text(encoding="utf-8"))


def versions() -> list[str]:
    """LLaMA-Factory versions with a snapshot, oldest first (the last may be a dev head)."""
    return [v["version"] for v in _data()["versions"]]


def template_names(version: str | None = None) -> list[str]:
    entry = _version_entry(version)
    return sorted(entry["templates"]) if entry else []


@lru_cache(maxsize=1)
def _timeline() -> Timeline[str]:
    """The snapshot versions as a ``Timeline`` (each answers up to the next one)."""
    return releases_timeline([(v, v) for v in versions()], "LLaMA-Factory")


_PREFIX = re.compile(r"^(llamafactory|llmtuner)\s*", re.I)
_SHORT = re.compile(r"(==)?\s*v?(\d+(?:\.\d+)?)")


def resolve_version(version: str | None) -> str | None:
    """Map a version or specifier to the snapshot LLaMA-Factory would have had.

    ``None`` -> the newest snapshot. A full version ("0.9.2", "0.9.2.post1") or ``==X`` -> the
    newest snapshot <= X (``Timeline``). A partial version ("0.9") or ``==0.9.*`` -> the newest
    snapshot of that series. Specifiers (``<=``, ``<``, ``>=``, ``>``, ``~=``, ``!=``,
    comma-separated) -> the newest snapshot pip would pick among the snapshots (``Specifier``:
    a dev snapshot only when the specifier names a pre-release or nothing else matches). Returns
    None when nothing matches (e.g. older than the oldest snapshot); ValueError for text that is
    neither a version nor a specifier.
    """
    if version is None:
        return _timeline().newest().value
    text = _PREFIX.sub("", version.strip(), count=1).strip()
    if not text:
        return _timeline().newest().value
    short = _SHORT.fullmatch(text)
    if short:  # "0.9" -> the series 0.9.*
        text = f"=={short.group(2)}.*"
    if text.startswith("==") and not text.startswith("===") and "," not in text:
        bare: str | None = text[2:].strip()
    else:
        bare = None if text[0] in "<>=!~" else text
    if bare is not None and bare.endswith("*"):
        text = "==" + bare  # "0.8.*"
    elif bare is not None:
        v = Version.parse(bare)
        if v is None:
            raise ValueError(f"not a version: {version[:MAX_TEXT]!r}")
        entry = _timeline().find(v)
        return entry.value if entry is not None else None
    spec = Specifier.parse(text)
    if spec is None:
        raise ValueError(f"not a version specifier: {version[:MAX_TEXT]!r}")
    best = spec.newest(versions())
    return best.text if best is not None else None


def _version_entry(version: str | None) -> dict[str, Any] | None:
    label = resolve_version(version)
    if label is None:
        return None
    for entry in _data()["versions"]:
        if entry["version"] == label:
            return entry
    return None


def get_template(name: str, version: str | None = None) -> LFTemplate | None:
    """The template ``name`` as registered at ``version`` (see :func:`resolve_version`)."""
    entry = _version_entry(version)
    if entry is None or name not in entry["templates"]:
        return None
    rid, line = entry["templates"][name]
    rec = _data()["records"][rid]
    return LFTemplate(
        name=name,
        version=entry["version"],
        tag=entry["tag"],
        commit=entry["commit"],
        file=entry["file"],
        line=line,
        format_user=rec["format_user"],
        format_assistant=rec["format_assistant"],
        format_system=rec["format_system"],
        format_observation=rec["format_observation"],
        format_prefix=rec["format_prefix"],
        format_separator=rec.get("format_separator", []),
        format_function=rec["format_function"],
        format_tools=rec["format_tools"],
        default_system=rec["default_system"],
        stop_words=rec["stop_words"],
        efficient_eos=rec["efficient_eos"],
        replace_eos=rec["replace_eos"],
        replace_jinja_template=rec["replace_jinja_template"],
        force_system=rec.get("force_system", False),
        template_class=rec["template_class"],
        mm_plugin=rec.get("mm_plugin"),
        thought_words=rec.get("thought_words"),
        enable_thinking=rec.get("enable_thinking"),
        engine=entry["engine"],
        record=rec,
    )


def history(name: str, attribute: str) -> list[tuple[str, Any]]:
    """``[(version, value)]`` of one template attribute (e.g. "default_system") per snapshot."""
    out = []
    for label in versions():
        tpl = get_template(name, label)
        if tpl is not None:
            out.append((label, getattr(tpl, attribute)))
    return out


# --------------------------------------------------------------------------- emulator


def _check_supported(tpl: LFTemplate) -> None:
    if tpl.template_class not in SUPPORTED_CLASSES:
        raise NotImplementedError(
            f"LLaMA-Factory template {tpl.name!r} uses {tpl.template_class}, which is not emulated"
        )


def _part_text(part: Any) -> str:
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        raise ValueError(f"unsupported content part {part!r}")
    kind = part.get("type")
    if kind == "text":
        return str(part.get("text", ""))
    if kind in ("image", "image_url", "input_image"):
        return IMAGE_PLACEHOLDER
    if kind in ("video", "video_url"):
        return VIDEO_PLACEHOLDER
    raise ValueError(f"unsupported content part type {kind!r}")


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(_part_text(p) for p in content)
    raise ValueError(f"unsupported message content {content!r}")


def _vision(tpl: LFTemplate) -> tuple[str, dict[str, str]] | None:
    """(plugin name, {placeholder: replacement}) for the emulated vision plugins."""
    plugin = tpl.mm_plugin or {}
    kinds = VISION_PLUGINS.get(plugin.get("name", "base"))
    if not kinds:
        return None
    bos = plugin.get("vision_bos_token", "<|vision_start|>")
    eos = plugin.get("vision_eos_token", "<|vision_end|>")
    out = {}
    if "image" in kinds:
        out[IMAGE_PLACEHOLDER] = f"{bos}{plugin.get('image_token', '<|image_pad|>')}{eos}"
    if "video" in kinds:
        out[VIDEO_PLACEHOLDER] = f"{bos}{plugin.get('video_token', '<|video_pad|>')}{eos}"
    return plugin["name"], out


def _message_text(content: Any, tpl: LFTemplate) -> str:
    has_media = isinstance(content, list) and any(
        isinstance(p, dict) and p.get("type") != "text" for p in content
    )
    text = _content_text(content)
    vision = _vision(tpl)
    if vision is None:
        if has_media:
            raise ValueError(
                f"template {tpl.name!r} (mm_plugin {(tpl.mm_plugin or {}).get('name', 'base')!r})"
                " : image/video parts are only emulated for qwen2_vl-style plugins"
            )
        return text
    for placeholder, replacement in vision[1].items():
        text = text.replace(placeholder, replacement)
    if vision[0] != "qwen2_vl" and VIDEO_PLACEHOLDER in text:
        raise ValueError(f"video placeholders are not emulated for mm_plugin {vision[0]!r}")
    return text


_ROLE_ALIASES = {
    "user": "user",
    "assistant": "assistant",
    "tool": "observation",
    "observation": "observation",
    "ipython": "observation",
    "function": "function",
}


def _apply(slots: list[Any], *, content: str | None, idx: str | None, bos: str, eos: str) -> str:
    """StringFormatter/EmptyFormatter.apply + _convert_elements_to_ids, as text."""
    out = []
    for slot in slots:
        if isinstance(slot, str):
            if content is not None:
                slot = slot.replace("{{content}}", content, 1)
            if idx is not None:
                slot = slot.replace("{{idx}}", idx, 1)
            out.append(slot)
        elif "token" in slot:
            out.append(slot["token"])
        elif slot.get("special") == "bos_token":
            out.append(bos)
        elif slot.get("special") == "eos_token":
            out.append(eos)
        # {"set": [...]} items encode to nothing upstream
    return "".join(out)


def _remove_thought(text: str, tw0: str, tw1: str) -> str:
    pattern = re.compile(f"{re.escape(tw0)}(.*?){re.escape(tw1)}", re.DOTALL)
    return re.sub(pattern, "", text).lstrip("\n")


def _eos_text(tpl: LFTemplate, eos_token: str) -> str:
    return tpl.eos_replacement or eos_token or FALLBACK_EOS


def format_conversation(
    tpl: LFTemplate,
    messages: list[dict[str, Any]],
    *,
    default_system: str | None = None,
    add_generation_prompt: bool = True,
    bos_token: str = "",
    eos_token: str = "",
    enable_thinking: bool | None = None,
) -> str:
    """What LLaMA-Factory encodes for ``messages`` with template ``tpl``, as text.

    ``messages``: OpenAI/HF-style dicts; an optional leading ``system`` message, then
    ``user`` / ``assistant`` / ``tool`` turns (``content`` a string or a list of parts; image /
    video parts become LLaMA-Factory's ``<image>`` / ``<video>`` placeholders, expanded for
    qwen2_vl-style plugins). A leading system message with empty content counts as none.
    ``default_system`` overrides the template's (LLaMA-Factory's ``default_system`` data
    argument, >= 0.9.3). ``bos_token`` / ``eos_token``: the tokenizer's; an empty bos emits
    nothing, an empty eos is LLaMA-Factory's fallback ``<|endoftext|>``, and ``replace_eos``
    templates always use ``stop_words[0]``. ``enable_thinking``: the data argument for thinking
    templates (None = its default, True).

    ``add_generation_prompt`` true and a last turn that is not the assistant's: the inference
    prompt (LLaMA-Factory's assistant header is part of the user slot). Otherwise: the training
    sequence of these turns, ending like LLaMA-Factory's supervised examples (the assistant slot's
    eos / stop word, plus the eos of ``efficient_eos`` templates).
    """
    _check_supported(tpl)
    msgs = list(messages)
    system = ""
    if msgs and msgs[0].get("role") == "system":
        system = _content_text(msgs[0].get("content"))
        msgs = msgs[1:]
    dsys = tpl.default_system if default_system is None else default_system
    system = system or dsys
    turns: list[tuple[str, str]] = []
    for m in msgs:
        role = _ROLE_ALIASES.get(str(m.get("role")))
        if role is None:
            raise ValueError(f"unsupported role {m.get('role')!r} (system only as the first turn)")
        if role == "function":
            raise NotImplementedError("function-call turns are not emulated")
        turns.append((role, _message_text(m.get("content"), tpl)))

    thinking = DEFAULT_ENABLE_THINKING if enable_thinking is None else enable_thinking
    inference = add_generation_prompt and (not turns or turns[-1][0] != "assistant")
    n = len(turns)
    bos = bos_token or ""
    eos = _eos_text(tpl, eos_token)
    reasoning = tpl.is_reasoning
    if reasoning:
        tw0, tw1 = tpl.thought_words or ("<think>", "</think>")
        for i in range(1, n, 2):
            if (inference and i < n - 1) or (not inference and thinking is False):
                turns[i] = (turns[i][0], _remove_thought(turns[i][1], tw0, tw1))
    llama2 = tpl.template_class == "Llama2Template"
    gate = bool(system) or tpl.force_system
    out: list[str] = []
    for i, (role, content) in enumerate(turns):
        if i == 0:
            out.append(_apply(tpl.format_prefix, content=None, idx=None, bos=bos, eos=eos))
            if gate and not llama2:
                out.append(_apply(tpl.format_system, content=system, idx=None, bos=bos, eos=eos))
            if gate and llama2 and role == "user":
                first = _system_first_slot(tpl)
                content = first.replace("{{content}}", system, 1) + content
        if tpl.engine.get("has_separator") and i > 0 and i % 2 == 0:
            out.append(_apply(tpl.format_separator, content=None, idx=None, bos=bos, eos=eos))
        if reasoning and not inference and i % 2 == 1:
            c0, c1 = tpl.thought_check
            if c0 not in content and c1 not in content:
                out.append(tpl.empty_thought)
        if role == "user":
            idx = None if llama2 else str(i // 2)
            out.append(_apply(tpl.format_user, content=content, idx=idx, bos=bos, eos=eos))
        elif role == "assistant":
            out.append(_apply(tpl.format_assistant, content=content, idx=None, bos=bos, eos=eos))
        else:
            out.append(_apply(tpl.format_observation, content=content, idx=None, bos=bos, eos=eos))
    if inference and reasoning and not thinking:
        out.append(tpl.empty_thought)
    if not inference and tpl.efficient_eos and turns and turns[-1][0] == "assistant":
        out.append(eos)
    return "".join(out)


def _system_first_slot(tpl: LFTemplate) -> str:
    """Llama2Template keeps only the first element of format_system.apply(...)."""
    first = tpl.format_system[0] if tpl.format_system else ""
    if not isinstance(first, str):
        raise ValueError(f"{tpl.name}: Llama2Template needs a text first system slot")
    return first


# --------------------------------------------------------------------------- jinja export


def _jstr(text: str) -> str:
    """A Jinja string literal for ``text`` (Jinja decodes Python-style escapes)."""
    esc = (
        text.replace("\\", "\\\\")
        .replace("'", "\\'")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return "'" + esc + "'"


def _jslots(slots: list[Any], *, content: str | None = None, idx: str | None = None) -> str:
    """Jinja expression concatenating ``slots`` (with sequential placeholder replacement)."""
    items = []
    for slot in slots:
        if isinstance(slot, str):
            if not slot:
                continue
            expr = _jstr(slot)
            has_content = content is not None and "{{content}}" in slot
            if has_content:
                expr += f".replace('{{{{content}}}}', {content}, 1)"
            if idx is not None and (has_content or "{{idx}}" in slot):
                expr += f".replace('{{{{idx}}}}', {idx}, 1)"
            items.append(expr)
        elif "token" in slot:
            items.append(_jstr(slot["token"]))
        elif slot.get("special") == "bos_token":
            items.append("_bos")
        elif slot.get("special") == "eos_token":
            items.append("_eos")
    return " ~ ".join(items) if items else "''"


def to_jinja(
    tpl: LFTemplate,
    *,
    default_system: str | None = None,
    enable_thinking: bool | None = None,
) -> str:
    """A Hugging Face chat template rendering what :func:`format_conversation` returns.

    Rendered by ``transformers``' ``apply_chat_template`` (or vLLM/SGLang ``--chat-template``)
    with the tokenizer's ``bos_token`` / ``eos_token``. ``default_system`` (None: the template's)
    is baked in and used when the conversation has no (or an empty) system message. For thinking
    templates ``enable_thinking`` is baked in as the default and may be overridden per request
    (``chat_template_kwargs``). All whitespace control is explicit, so the result does not depend
    on the renderer's ``trim_blocks`` / ``lstrip_blocks``.
    """
    _check_supported(tpl)
    dsys = tpl.default_system if default_system is None else default_system
    thinking = DEFAULT_ENABLE_THINKING if enable_thinking is None else enable_thinking
    llama2 = tpl.template_class == "Llama2Template"
    reasoning = tpl.is_reasoning
    vision = _vision(tpl)
    eos_expr = (
        _jstr(tpl.eos_replacement)
        if tpl.eos_replacement
        else f"(eos_token if eos_token is defined and eos_token else {_jstr(FALLBACK_EOS)})"
    )
    gate = "_system or true" if tpl.force_system else "_system"
    src = (tpl.tag or tpl.commit[:12]).replace("#", "")
    lines = [
        "{#- Generated by deploylint export-template from LLaMA-Factory template "
        f"'{tpl.name}' at {tpl.version} ({src}, {tpl.file}:{tpl.line}, commit {tpl.commit}). "
        "It renders what LLaMA-Factory encodes: the inference prompt when add_generation_prompt "
        "is set and the last turn is not the assistant's, else the training sequence. -#}",
        f"{{%- set _default_system = {_jstr(dsys)} -%}}",
        "{%- set _bos = bos_token if bos_token is defined and bos_token else '' -%}",
        f"{{%- set _eos = {eos_expr} -%}}",
        "{%- set _gen = add_generation_prompt is defined and add_generation_prompt -%}",
    ]
    if reasoning:
        lines.append(
            "{%- set _thinking = enable_thinking if enable_thinking is defined and "
            f"enable_thinking is not none else {'true' if thinking else 'false'} -%}}"
        )
    # content (string or list of parts) -> text with LLaMA-Factory placeholders
    media = (
        "{%- elif part['type'] in ['image', 'image_url', 'input_image'] -%}"
        f"{{{{- {_jstr(IMAGE_PLACEHOLDER)} -}}}}"
        "{%- elif part['type'] in ['video', 'video_url'] -%}"
        f"{{{{- {_jstr(VIDEO_PLACEHOLDER)} -}}}}"
        if vision
        else "{%- elif part['type'] != 'text' -%}"
        "{{- raise_exception('image/video parts are not supported by this template') -}}"
    )
    lines += [
        "{%- macro _text(c) -%}",
        "{%- if c is none -%}{%- elif c is string -%}{{- c -}}",
        "{%- else -%}{%- for part in c -%}",
        "{%- if part is string -%}{{- part -}}",
        "{%- elif part['type'] == 'text' -%}{{- part['text'] -}}",
        media,
        "{%- endif -%}{%- endfor -%}{%- endif -%}",
        "{%- endmacro -%}",
    ]
    if reasoning:
        tw0, tw1 = tpl.thought_words or ("<think>", "</think>")
        lines += [
            "{%- macro _strip_thought(c) -%}",
            "{%- set ns = namespace(s=c, out='', done=false) -%}",
            f"{{%- for _ in range(c.count({_jstr(tw0)}) + 1) -%}}",
            "{%- if not ns.done -%}",
            f"{{%- set p = ns.s.find({_jstr(tw0)}) -%}}",
            f"{{%- set q = ns.s.find({_jstr(tw1)}, p + {len(tw0)}) if p >= 0 else -1 -%}}",
            "{%- if q < 0 -%}{%- set ns.done = true -%}",
            "{%- else -%}{%- set ns.out = ns.out ~ ns.s[:p] -%}",
            f"{{%- set ns.s = ns.s[q + {len(tw1)}:] -%}}{{%- endif -%}}",
            "{%- endif -%}",
            "{%- endfor -%}",
            "{{- (ns.out ~ ns.s).lstrip('\\n') -}}",
            "{%- endmacro -%}",
        ]
    lines += [
        "{%- set _messages = messages -%}",
        "{%- set _system = _default_system -%}",
        "{%- if messages | length > 0 and messages[0]['role'] == 'system' -%}",
        "{%- set _s = _text(messages[0]['content']) -%}",
        "{%- if _s -%}{%- set _system = _s -%}{%- endif -%}",
        "{%- set _messages = messages[1:] -%}",
        "{%- endif -%}",
        "{%- set _n = _messages | length -%}",
        "{%- set _infer = _gen and (_n == 0 or _messages[-1]['role'] != 'assistant') -%}",
        "{%- for message in _messages -%}",
        "{%- set i = loop.index0 -%}",
        "{%- set content = _text(message['content']) -%}",
    ]
    if vision:
        for placeholder, replacement in vision[1].items():
            lines.append(
                f"{{%- set content = content.replace({_jstr(placeholder)}, "
                f"{_jstr(replacement)}) -%}}"
            )
    if reasoning:
        lines.append(
            "{%- if i % 2 == 1 and ((_infer and i < _n - 1) or (not _infer and _thinking is false))"
            " -%}{%- set content = _strip_thought(content) -%}{%- endif -%}"
        )
    lines.append("{%- if i == 0 -%}")
    if tpl.format_prefix:
        lines.append(f"{{{{- {_jslots(tpl.format_prefix)} -}}}}")
    if llama2:
        first = _system_first_slot(tpl)
        lines.append(
            f"{{%- if ({gate}) and message['role'] == 'user' -%}}"
            f"{{%- set content = {_jslots([first], content='_system')} ~ content -%}}"
            "{%- endif -%}"
        )
    else:
        lines.append(
            f"{{%- if {gate} -%}}{{{{- {_jslots(tpl.format_system, content='_system')} -}}}}"
            "{%- endif -%}"
        )
    lines.append("{%- endif -%}")
    if tpl.engine.get("has_separator") and tpl.format_separator:
        lines.append(
            f"{{%- if i > 0 and i % 2 == 0 -%}}{{{{- {_jslots(tpl.format_separator)} -}}}}"
            "{%- endif -%}"
        )
    if reasoning:
        c0, c1 = tpl.thought_check
        lines.append(
            "{%- if not _infer and i % 2 == 1 and "
            f"{_jstr(c0)} not in content and {_jstr(c1)} not in content -%}}"
            f"{{{{- {_jstr(tpl.empty_thought)} -}}}}{{%- endif -%}}"
        )
    user_idx = None if llama2 else "((i // 2) | string)"
    lines += [
        "{%- if message['role'] == 'user' -%}",
        f"{{{{- {_jslots(tpl.format_user, content='content', idx=user_idx)} -}}}}",
        "{%- elif message['role'] == 'assistant' -%}",
        f"{{{{- {_jslots(tpl.format_assistant, content='content')} -}}}}",
        "{%- elif message['role'] in ['tool', 'observation', 'ipython'] -%}",
        f"{{{{- {_jslots(tpl.format_observation, content='content')} -}}}}",
        "{%- else -%}",
        "{{- raise_exception('unsupported role: ' ~ message['role']) -}}",
        "{%- endif -%}",
        "{%- endfor -%}",
    ]
    if reasoning:
        lines.append(
            f"{{%- if _infer and not _thinking -%}}{{{{- {_jstr(tpl.empty_thought)} -}}}}"
            "{%- endif -%}"
        )
    if tpl.efficient_eos:
        lines.append(
            "{%- if not _infer and _n > 0 and _messages[-1]['role'] == 'assistant' -%}"
            "{{- _eos -}}{%- endif -%}"
        )
    return "\n".join(lines) + "\n"


def parse_spec(spec: str) -> tuple[str, str | None]:
    """``"qwen@0.9.1"`` / ``"llamafactory:qwen@<=0.9.2"`` / ``"qwen"`` -> (name, version spec)."""
    text = spec.strip()
    if text.lower().startswith("llamafactory:"):
        text = text.split(":", 1)[1]
    name, _, version = text.partition("@")
    if not name:
        raise ValueError(f"no template name in {spec!r}")
    return name.strip(), (version.strip() or None)


def export_template(
    spec: str,
    *,
    default_system: str | None = None,
    enable_thinking: bool | None = None,
) -> str:
    """The Jinja chat template for ``spec`` (see :func:`parse_spec`); ValueError when unknown.

    Backs ``deploylint export-template --from llamafactory:NAME[@VERSION]``.
    """
    name, version = parse_spec(spec)
    resolved = resolve_version(version)
    if resolved is None:
        known = ", ".join(versions())
        raise ValueError(f"no LLaMA-Factory snapshot matches version {version!r} (known: {known})")
    tpl = get_template(name, resolved)
    if tpl is None:
        raise ValueError(f"LLaMA-Factory {resolved} has no template named {name!r}")
    return to_jinja(tpl, default_system=default_system, enable_thinking=enable_thinking)
