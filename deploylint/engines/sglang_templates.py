"""What SGLang sends the model: built-in conversation templates and path matching, by version.

SGLang's OpenAI-compatible server renders a chat request with a built-in *conversation template*
(``conversation.py``) when ``--chat-template`` names one (or a ``.json`` file defines one) or,
from 0.4.6.post2 on and without ``--chat-template``, when a matching function recognises the
model path (``get_conv_template_by_model_path``). Otherwise the tokenizer's Hugging Face template
is used, which deploylint renders elsewhere.

Facts come from ``deploylint/data/sglang_templates.json`` (``scripts/snapshot_sglang_templates.py``:
``conversation.py`` at release commits and later ``main`` commits); stdlib and ``packaging``
only, loaded on first use. ``render`` reproduces
``generate_chat_conv(request, name).get_prompt()``; it is checked byte for byte against the real
code (``testdata/sglang/goldens.json``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ..versions import MAX_TEXT, Timeline, Version, releases_timeline

__all__ = [
    "ConversationChoice",
    "UnsupportedMessage",
    "conversation",
    "default_system",
    "known_versions",
    "load_chat_template_json",
    "match_conversation",
    "match_conversation_detail",
    "render",
    "resolve_version",
    "stop_str",
]

REPOSITORY = "sgl-project/sglang"


class UnsupportedMessage(ValueError):
    """A request SGLang rejects, or a message shape this renderer does not reproduce."""


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    ref = resources.files("deploylint") / "data" / "sglang_templates.json"
    return json.loads(ref.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# versions
# --------------------------------------------------------------------------------------------

_PREFIX = re.compile(r"^\s*sglang\s*(?:==|\s)\s*", re.IGNORECASE)


def _version(text: str) -> Version:
    """The version in ``0.4.9``, ``v0.4.9.post2``, ``sglang==0.4.9`` (ValueError otherwise)."""
    v = Version.parse(_PREFIX.sub("", text, count=1))
    if v is None:
        raise ValueError(f"not an SGLang version: {text[:MAX_TEXT]!r}")
    return v


@lru_cache(maxsize=1)
def _points() -> list[tuple[dict[str, str], int]]:
    out = []
    for i, snap in enumerate(_data()["snapshots"]):
        for pt in snap["points"]:
            out.append((pt, i))
    return out


@lru_cache(maxsize=1)
def _releases() -> Timeline[dict[str, str]]:
    """The release points (those with a version) as a ``Timeline``."""
    return releases_timeline(
        [(pt["version"], pt) for pt, _ in _points() if "version" in pt], "SGLang"
    )


def known_versions() -> list[str]:
    """Release versions (and ``main@<commit>`` points) covered, oldest first."""
    return [pt["label"] for pt, _ in _points()]


def resolve_version(version: str | None) -> tuple[str, list[str]]:
    """(snapshot point label, notes) for an SGLang version, ``main@<commit>`` label or commit.

    ``None``: the newest point. Releases up to 0.5.6.post2 are exact (commit that set the
    version). Later releases are tagged on release branches this history lacks: they map to the
    newest ``main`` point before the documented install bump of that release when it is known
    (0.5.15, 0.5.16), else to the newest point — marked UNCONFIRMED in the notes.
    """
    points = _points()
    if version is None:
        return points[-1][0]["label"], []
    v = version.strip()
    for pt, _ in points:
        if v == pt["label"] or (len(v) >= 7 and pt["commit"].startswith(v)):
            return pt["label"], []
    key = _version(v)
    releases = _releases()
    oldest, newest = releases.entries[0], releases.newest()
    if key <= newest.range.since.version:  # type: ignore[union-attr]
        entry = releases.find(key)
        if entry is None:
            raise ValueError(
                f"SGLang {version} is older than the oldest snapshot ({oldest.value['label']})"
            )
        return entry.value["label"], []
    bumps = _data()["source"]["docs_release_bumps"]
    later = sorted((date, name) for name, date in bumps.items() if _version(name) >= key)
    if later:
        date, name = later[0]
        best = [pt for pt, _ in points if pt["date"] <= date][-1]
        note = (
            f"UNCONFIRMED: SGLang {version} was released from a branch not in the snapshot "
            f"history; using main as of {best['date']} (before the docs install bump to {name})"
        )
        return best["label"], [note]
    return points[-1][0]["label"], [
        f"UNCONFIRMED: SGLang {version} is newer than the snapshots; using the newest point"
    ]


def _snapshot(version: str | None) -> tuple[str, dict[str, Any], list[str]]:
    label, notes = resolve_version(version)
    for pt, i in _points():
        if pt["label"] == label:
            return label, _data()["snapshots"][i], notes
    raise AssertionError(label)


def _source(snap: Mapping[str, Any], line: int | None = None, path: str | None = None):
    pt = snap["points"][0]
    out: dict[str, Any] = {
        "repository": REPOSITORY,
        "path": path or snap["conversation_path"],
        "commit": pt["commit"],
        "point": pt["label"],
    }
    if line is not None:
        out["line"] = line
    return out


# --------------------------------------------------------------------------------------------
# matching
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationChoice:
    """The conversation template SGLang uses for a model path (``name`` None: HF template)."""

    name: str | None
    reason: str
    source: Mapping[str, Any]
    point: str
    points: tuple[str, ...]
    function: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def uses_hf_template(self) -> bool:
        return self.name is None


def _eval(expr: Mapping[str, Any], path: str, config: Mapping[str, Any] | None) -> Any:
    """True/False, or a regex match object for regex expressions that hold."""
    if "always" in expr:
        return True
    if "all" in expr:
        result: Any = True
        for e in expr["all"]:
            result = _eval(e, path, config)
            if not result:
                return False
        return result
    if "any" in expr:
        for e in expr["any"]:
            r = _eval(e, path, config)
            if r:
                return r
        return False
    if "not" in expr:
        return not _eval(expr["not"], path, config)
    if "regex" in expr:
        flags = re.IGNORECASE if expr.get("ignorecase") else 0
        return re.search(expr["regex"], path, flags) or False
    if "contains" in expr:
        return expr["contains"] in path.lower()
    if "config_model_type" in expr:
        return bool(config) and config.get("model_type") == expr["config_model_type"]
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
    if "regex" in expr:
        return f"re.search({expr['regex']!r}{', re.IGNORECASE' if expr.get('ignorecase') else ''})"
    if "contains" in expr:
        return f"lower-cased path contains {expr['contains']!r}"
    if "config_model_type" in expr:
        return f"config.json model_type is {expr['config_model_type']!r}"
    return json.dumps(expr)


def match_conversation_detail(
    model_path: str, version: str | None = None, *, config: Mapping[str, Any] | None = None
) -> ConversationChoice:
    """Which conversation template SGLang picks for ``model_path`` without ``--chat-template``.

    ``config`` is the model's ``config.json`` (only read by SGLang when ``model_path`` is a local
    directory; from 0.5.1.post3 its ``model_type`` maps some models to templates).
    """
    label, snap, notes = _snapshot(version)
    points = tuple(p["label"] for p in snap["points"])
    if not snap["path_matching"]:
        return ConversationChoice(
            name=None,
            reason=f"SGLang {label} does not guess a conversation template from the path: the "
            "tokenizer's Hugging Face chat template is used unless --chat-template is given",
            source=_source(snap),
            point=label,
            points=points,
            notes=tuple(notes),
        )
    type_map = snap.get("model_type_to_template") or {}
    for fn in snap["matching"]:
        for rule in fn["rules"]:
            hit = _eval(rule["when"], model_path, config)
            if not hit:
                continue
            ret = rule["returns"]
            why = _describe(rule["when"])
            if isinstance(ret, dict) and ret.get("model_type_map"):
                mt = (config or {}).get("model_type")
                ret = type_map.get(mt) if mt is not None else None
                why = f"config.json model_type {mt!r} is in MODEL_TYPE_TO_TEMPLATE"
            elif isinstance(ret, str) and "{1}" in ret:
                m = re.search(rule["when"]["regex"], model_path, re.IGNORECASE)
                assert m is not None
                ret = ret.replace("{1}", m.group(1).lower())
            if ret is None:
                break  # this function returns None: SGLang tries the next one
            return ConversationChoice(
                name=ret,
                reason=f"{why} ({fn['function']}, {snap['conversation_path']}:{fn['line']} @ "
                f"{label}); the built-in conversation template replaces the model's own template",
                source=_source(snap, fn["line"]),
                point=label,
                points=points,
                function=fn["function"],
                notes=tuple(notes),
            )
    return ConversationChoice(
        name=None,
        reason=f"no matching function recognises {model_path!r} at {label}: the tokenizer's "
        "Hugging Face chat template is used (none: 'string' content format, no chat template)",
        source=_source(snap),
        point=label,
        points=points,
        notes=tuple(notes),
    )


def match_conversation(
    model_path: str, version: str | None = None, *, config: Mapping[str, Any] | None = None
) -> str | None:
    """The built-in conversation template name SGLang uses for ``model_path``, or ``None`` when
    the model's Hugging Face template is used."""
    return match_conversation_detail(model_path, version, config=config).name


# --------------------------------------------------------------------------------------------
# templates
# --------------------------------------------------------------------------------------------


def conversation(name: str, version: str | None = None) -> dict[str, Any]:
    """The registered template's fields (system_template, system_message, roles, sep_style,
    sep, sep2, stop_str, image/audio/video tokens …) plus ``name`` and ``source``."""
    label, snap, _ = _snapshot(version)
    ref = snap["templates"].get(name)
    if ref is None:
        raise KeyError(f"SGLang {label} has no conversation template {name!r}")
    d = dict(_data()["definitions"][ref["def"]])
    d.pop("first_seen", None)
    d["name"] = name
    d["source"] = _source(snap, ref["line"])
    d["point"] = label
    return d


def load_chat_template_json(obj: Mapping[str, Any], version: str | None = None) -> dict[str, Any]:
    """The template a ``--chat-template file.json`` registers (same schema in all versions).

    Required: ``name``, ``system``, ``user``, ``assistant``, ``sep_style`` (a SeparatorStyle
    name), ``stop_str``; optional ``system_message`` (default ''), ``sep`` (default '\\n').
    ``system_template`` becomes ``system + "\\n{system_message}"``. Note: SGLang checks built-in
    names first, so ``--chat-template chatml`` is the built-in even if ``chatml`` exists as a
    file in the working directory.
    """
    label, snap, _ = _snapshot(version)
    missing = [
        k for k in ("name", "system", "user", "assistant", "sep_style", "stop_str") if k not in obj
    ]
    if missing:
        raise UnsupportedMessage(
            f"SGLang fails on a chat template JSON without {missing} (KeyError)"
        )
    if obj["sep_style"] not in snap["styles"]:
        raise UnsupportedMessage(f"Unknown separator style: {obj['sep_style']}")
    fields = conversation_defaults()
    fields.update(
        {
            "name": obj["name"],
            "system_template": obj["system"] + "\n{system_message}",
            "system_message": obj.get("system_message", ""),
            "roles": [obj["user"], obj["assistant"]],
            "sep_style": obj["sep_style"],
            "sep": obj.get("sep", "\n"),
            "sep2": None,
            "stop_str": obj["stop_str"],
            "point": label,
            "source": {"repository": REPOSITORY, "note": _data()["json_chat_template"]["source"]},
        }
    )
    return fields


def conversation_defaults() -> dict[str, Any]:
    """Conversation dataclass defaults (the fields a JSON template does not set)."""
    return {
        "system_template": "{system_message}",
        "system_message": "",
        "roles": ["USER", "ASSISTANT"],
        "sep_style": "ADD_COLON_SINGLE",
        "sep": "\n",
        "sep2": None,
        "stop_str": None,
        "stop_token_ids": None,
        "image_token": "<image>",
        "video_token": "<video>",
        "audio_token": "<audio>",
        "image_token_at_prefix": False,
    }


def _template(name_or_fields: str | Mapping[str, Any], version: str | None):
    label, snap, _ = _snapshot(version)
    if isinstance(name_or_fields, str):
        t = conversation(name_or_fields, label)
    else:
        t = {**conversation_defaults(), **name_or_fields}
    return t, snap


def default_system(name: str | Mapping[str, Any], version: str | None = None) -> str:
    """The template's ``system_message`` (used when the request has no system message; a request
    system message replaces it). Dynamic values (``devstral``'s SYSTEM_PROMPT.txt) give ''."""
    t, _ = _template(name, version)
    sm = t.get("system_message")
    return sm if isinstance(sm, str) else ""


def stop_str(name: str | Mapping[str, Any], version: str | None = None) -> list[str]:
    t, _ = _template(name, version)
    s = t.get("stop_str")
    if s is None:
        return []
    return [s] if isinstance(s, str) else list(s)


# --------------------------------------------------------------------------------------------
# rendering: generate_chat_conv + Conversation.get_prompt
# --------------------------------------------------------------------------------------------


def _single_text(content: Sequence[Mapping[str, Any]], what: str) -> str:
    if len(content) != 1 or content[0].get("type") != "text":
        raise UnsupportedMessage(f"The {what} should be a single text.")
    return content[0].get("text", "")


def _user_content(content: Sequence[Mapping[str, Any]], t: Mapping, opts: Mapping) -> str:
    name = t["name"]
    n_images = sum(1 for p in content if p.get("type") == "image_url")
    token = t["image_token"]
    if opts["image_newline"] == "single_image_only" and n_images > 1:
        image_token = token
    else:
        image_token = token if name in opts["no_newline_templates"] else token + "\n"
    supplement = name in opts["supplement_templates"]
    if supplement:
        image_token = ""
    prefix = name in opts["prefix_templates"] or (
        opts["prefix_attr"] and bool(t.get("image_token_at_prefix"))
    )
    real = ""
    for p in content:
        kind = p.get("type")
        if kind == "text":
            if (
                n_images > 16
                and opts["many_images_newline"]
                and name not in opts.get("many_images_newline_except", [])
            ):
                real += "\n"
            real += p["text"]
        elif kind == "image_url":
            real = image_token + real if prefix else real + image_token
        elif kind == "video_url" and opts["video_parts"]:
            real += t["video_token"]
        elif kind == "audio_url" and opts["audio_parts"]:
            real += t["audio_token"]
    if supplement:
        left = n_images - real.count(token)
        if left < 0:
            raise UnsupportedMessage(
                f"Found more '{token}' placeholders in input prompt than actual multimodal data"
            )
        real = "\n".join([token] * left + [real])
    return real


def _conversation_messages(t, messages, opts, add_generation_prompt):
    system_message = t["system_message"] if isinstance(t["system_message"], str) else ""
    turns: list[tuple[str, str | None]] = []
    user, assistant = t["roles"][0], t["roles"][1]
    for m in messages:
        role, content = m["role"], m.get("content")
        if role == "system":
            if isinstance(content, str):
                system_message = content
            elif isinstance(content, list):
                system_message = _single_text(content, "system message")
        elif role == "user":
            if isinstance(content, str):
                turns.append((user, content))
            else:
                turns.append((user, _user_content(content, t, opts)))
        elif role == "assistant":
            text = ""
            if isinstance(content, str):
                text = content
            elif isinstance(content, list):
                text = _single_text(content, "assistant's response")
            turns.append((assistant, text))
        else:
            raise UnsupportedMessage(f"Unknown role: {role}")
    if add_generation_prompt:
        turns.append((assistant, None))
    return system_message, turns


def _get_prompt(t: Mapping, variant: str, system_message: str, turns) -> str:  # noqa: C901
    style = t["sep_style"]
    sep, sep2 = t["sep"], t["sep2"]
    seps = [sep, sep2]
    sp = t["system_template"].format(system_message=system_message)
    roles = t["roles"]
    ret = ""
    if style == "ADD_COLON_SINGLE":
        ret = sp + sep
        for role, msg in turns:
            ret += role + ": " + msg + sep if msg else role + ":"
    elif style == "ADD_COLON_TWO":
        ret = sp + seps[0]
        for i, (role, msg) in enumerate(turns):
            ret += role + ": " + msg + seps[i % 2] if msg else role + ":"
    elif style == "ADD_COLON_SPACE_SINGLE":
        ret = sp + sep
        for role, msg in turns:
            ret += role + ": " + msg + sep if msg else role + ": "
    elif style in ("ADD_NEW_LINE_SINGLE", "QWEN2_VL_EMBED"):
        if variant == "needs_system_message" and style == "ADD_NEW_LINE_SINGLE":
            ret = "" if (not system_message or sp == "") else sp + sep
        else:
            ret = "" if sp == "" else sp + sep
        for role, msg in turns:
            ret += role + "\n" + msg + sep if msg else role + "\n"
        if style == "QWEN2_VL_EMBED":
            ret += t["stop_str"]
    elif style == "NO_COLON_SINGLE":
        ret = sp
        for role, msg in turns:
            ret += role + msg + sep if msg else role
    elif style == "NO_COLON_TWO":
        ret = sp
        for i, (role, msg) in enumerate(turns):
            ret += role + msg + seps[i % 2] if msg else role
    elif style == "RWKV":
        ret = sp
        for role, msg in turns:
            if msg:
                ret += role + ": " + msg.replace("\r\n", "\n").replace("\n\n", "\n") + "\n\n"
            else:
                ret += role + ":"
    elif style in ("LLAMA3", "LLAMA4"):
        head, tail = (
            ("<|start_header_id|>", "<|end_header_id|>\n\n")
            if style == "LLAMA3"
            else ("<|header_start|>", "<|header_end|>\n\n")
        )
        eot = "<|eot_id|>" if style == "LLAMA3" else "<|eot|>"
        ret = "<|begin_of_text|>" if (style == "LLAMA3" and variant == "bos") else ""
        ret += sp if system_message else ""
        for role, msg in turns:
            ret += f"{head}{role}{tail}"
            if msg:
                ret += f"{msg.strip()}{eot}"
    elif style == "LLAMA2":
        ret = sp if system_message else "[INST] "
        for i, (_, msg) in enumerate(turns):
            tag = roles[i % 2]
            if msg:
                ret += msg + " " if i == 0 else tag + " " + msg + seps[i % 2]
            else:
                ret += tag
    elif style == "CHATGLM":
        round_add_n = 1 if t["name"] == "chatglm2" else 0
        ret = sp + sep if sp else ""
        for i, (role, msg) in enumerate(turns):
            if i % 2 == 0:
                ret += f"[Round {i // 2 + round_add_n}]{sep}"
            ret += f"{role}：{msg}{sep}" if msg else f"{role}："
    elif style == "CHATML":
        ret = "" if sp == "" else sp + sep + "\n"
        for role, msg in turns:
            ret += role + "\n" + msg + sep + "\n" if msg else role + "\n"
    elif style == "CHATGLM3":
        ret = sp if system_message else ""
        for role, msg in turns:
            ret += role + "\n" + msg if msg else role
    elif style == "CHATINTERN":
        ret = sp
        for i, (role, msg) in enumerate(turns):
            if i % 2 == 0:
                ret += "<s>"
            ret += role + ":" + msg + seps[i % 2] + "\n" if msg else role + ":"
    elif style == "DOLLY":
        ret = sp
        for i, (role, msg) in enumerate(turns):
            if msg:
                ret += role + ":\n" + msg + seps[i % 2]
                if i % 2 == 1:
                    ret += "\n\n"
            else:
                ret += role + ":\n"
    elif style == "PHOENIX":
        ret = sp
        for role, msg in turns:
            ret += role + ": <s>" + msg + "</s>" if msg else role + ": <s>"
    elif style == "ROBIN":
        ret = sp + sep
        for role, msg in turns:
            ret += role + ":\n" + msg + sep if msg else role + ":\n"
    elif style == "FALCON_CHAT":
        ret = sp + sep if system_message else ""
        for role, msg in turns:
            ret += role + ": " + msg + sep if msg else role + ":"
    elif style == "METAMATH":
        ret = "" if sp == "" else sp + sep
        for i, (role, msg) in enumerate(turns):
            start = ":\n" if i % 2 == 0 else ": " + sep2
            end = sep if i % 2 == 0 else ""
            ret += role + start + msg + end if msg else role + start
    elif style == "DEEPSEEK_CHAT":
        ret = sp
        for i, (role, msg) in enumerate(turns):
            ret += role + ": " + msg + seps[i % 2] if msg else role + ":"
    elif style in ("DeepSeekVL2", "UNLIMITED_OCR"):
        ret = "" if not sp else sp + seps[0]
        for i, (role, msg) in enumerate(turns):
            if style == "DeepSeekVL2":
                ret += role + ": " + msg + seps[i % 2] if msg else role + ":"
            else:
                ret += role + msg + seps[i % 2] if msg else role
    elif style == "GEMMA3":
        ret = sp
        for i, (role, msg) in enumerate(turns):
            if msg:
                ret += msg + sep if i == 0 else role + msg + sep
            else:
                ret += role
    elif style == "MPT":
        ret = sp + sep
        for role, msg in turns:
            ret += role + msg + sep if msg else role
    elif style == "QWEN2_AUDIO":
        ret = "" if sp == "" else sp + sep
        counter = 1
        token = t["audio_token"]
        for role, msg in turns:
            if msg:
                while token in msg:
                    msg = msg.replace(token, token.format(idx=counter), 1)
                    counter += 1
                ret += role + "\n" + msg + sep
            else:
                ret += role + "\n"
    elif style == "PADDLE_OCR":
        ret = sp
        image = t["image_token"]
        for role, msg in turns:
            if not msg:
                ret += role + ": "
            elif role == roles[0]:
                body = msg.replace(image + "\n", image) if image in msg else msg
                ret += role + ": " + body + "\n"
            else:
                ret += role + ": " + msg + sep
    else:
        raise ValueError(f"Invalid style: {style}")
    return ret


def render(
    name: str | Mapping[str, Any],
    messages: Sequence[Mapping[str, Any]],
    *,
    add_generation_prompt: bool = True,
    version: str | None = None,
) -> str:
    """``generate_chat_conv(request, name).get_prompt()`` at ``version`` (``None``: newest).

    ``name`` is a built-in template name or the dict from ``load_chat_template_json``. Text and
    ``image_url``/``audio_url``/``video_url`` parts are supported (the media become the
    template's tokens, as SGLang writes them before the processor expands them). A system
    message anywhere replaces the template's ``system_message`` (the last one wins); other roles
    (``tool``…) raise ``UnsupportedMessage`` like SGLang ("Unknown role"). SGLang always ends
    with an open assistant turn; ``add_generation_prompt=False`` leaves it out.

    Not modelled (``serving_chat.py``, outside conversation.py): ``continue_final_message``
    trimming, the ``<think>`` the server appends when a request asks for reasoning, and the
    expansion of media tokens by the model's processor.
    """
    t, snap = _template(name, version)
    opts = snap["chat_conv"]
    variant = snap["styles"].get(t["sep_style"])
    if variant is None:
        raise ValueError(f"SGLang {snap['points'][0]['label']} has no style {t['sep_style']}")
    system_message, turns = _conversation_messages(t, list(messages), opts, add_generation_prompt)
    return _get_prompt(t, variant, system_message, turns)
