"""The prompt format a fine-tune written in Python learned (``facts.LearnedFormat``), rendered the
way the training code built its examples, and compared with what a serving engine builds.

Two kinds of learned format:

* a chat template: the examples went through ``apply_chat_template`` of a tokenizer. The format is
  that tokenizer's own template (from its directory, the local Hugging Face cache or built-in
  knowledge of its hub id), or a named format that replaced it (``named_formats``); the keyword
  arguments given to the call (``enable_thinking=False`` ...) are passed when rendering;
* a hand-written text format: one example is literal text around fields of the data
  (``"### Instruction:\\n{instruction}\\n\\n### Response:\\n{output}"``). It is a one-turn format:
  only a conversation of one user message (after an optional system message) can be rendered,
  up to the answer field (the prompt the model learned to answer).

A serving template is compared with a hand-written format by the text around the user's message
(``text_drift``): what follows it up to the answer (the end of the user's turn and the start of
the model's), and the line that introduces it (the user's role marker). Fields and parts the
training code does not show match anything there, so only literal text that cannot match counts
as a difference; a default system block before the user's turn is not a format difference here
(DPL101 is about that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..facts import LearnedFormat, ModelDir
from ..location import safe_is_dir
from . import named_formats
from .resolve import (
    HFTemplate,
    Prompting,
    RenderError,
    hf_template,
    knowledge_reference,
    special_tokens,
)

USER = "What is the capital of France?"
SYSTEM = "You are a concise assistant."
_HOLE = "\ue000"


@dataclass
class LearnedPrompting(Prompting):
    """A ``Prompting`` for a learned format (rendered as the training code rendered it)."""

    learned: LearnedFormat | None = None
    named: named_formats.TurnFormat | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # apply_chat_template keyword arguments
    special: dict[str, str] = field(default_factory=dict)  # bos/eos tokens, when known

    @property
    def bos_token(self) -> str | None:
        if self.jinja is not None:
            return self.jinja.special_tokens.get("bos_token")
        return self.special.get("bos_token") or None

    def render(self, messages: list[dict], add_generation_prompt: bool = True) -> str:
        try:
            if self.named is not None:
                system = self.extra.get("system_message")
                return named_formats.render(
                    self.named,
                    messages,
                    add_generation_prompt=add_generation_prompt,
                    bos=self.special.get("bos_token", ""),
                    eos=self.special.get("eos_token", ""),
                    system_message=system if isinstance(system, str) else None,
                )
            if self.kind == "jinja" and self.jinja is not None and self.extra:
                from .jinja_render import TemplateError, render

                try:
                    return render(
                        self.jinja.text,
                        messages,
                        add_generation_prompt=add_generation_prompt,
                        special_tokens=self.jinja.special_tokens,
                        extra=self.extra,
                    )
                except TemplateError as e:
                    raise RenderError(str(e)) from None
            if self.kind == "text" and self.learned is not None:
                return render_text(self.learned, messages, add_generation_prompt, self.special)
        except (named_formats.FormatError, RenderError) as e:
            raise RenderError(str(e)) from None
        return super().render(messages, add_generation_prompt)


def learned_prompting(project: Any, fmt: LearnedFormat, base_dir) -> LearnedPrompting:
    """The learned format as something that renders conversations (kind "unknown" when the
    template the examples went through cannot be read)."""
    if fmt.kind == "text":
        return LearnedPrompting(
            "training",
            None,
            "text",
            f"the hand-written format at {_where(fmt)}",
            fmt.loc,
            learned=fmt,
        )
    tok = fmt.tokenizer.value if fmt.tokenizer is not None else None
    md = tokenizer_dir(project, tok, base_dir) if isinstance(tok, str) else None
    st = special_tokens(md)
    kwargs = {
        k: v.value
        for k, v in fmt.template_kwargs.items()
        if v.resolved and k not in ("system_message",)
    }
    if fmt.template_name is not None:
        named = named_formats.get(fmt.template_name)
        if named is None:
            return LearnedPrompting(
                "training", None, "unknown", f"the named template `{fmt.template_name}`"
            )
        sysmsg = fmt.template_kwargs.get("system_message")
        extra: dict[str, Any] = {}
        if sysmsg is not None and sysmsg.resolved:
            extra["system_message"] = sysmsg.value
        return LearnedPrompting(
            "training",
            None,
            "named",
            f"Unsloth's `{fmt.template_name}` chat template (get_chat_template)",
            fmt.loc,
            named=named,
            extra=extra,
            special=st,
        )
    if md is not None:
        t = hf_template(md)
        if t is None:
            return LearnedPrompting("training", None, "unknown", f"`{tok}` has no chat template")
        return LearnedPrompting(
            "training",
            None,
            "jinja",
            f"the chat template of `{tok}` ({t.source})",
            t.loc,
            jinja=HFTemplate(t.text, t.source, t.loc, t.special_tokens),
            extra=kwargs,
        )
    if isinstance(tok, str):
        ref = knowledge_reference(tok)
        if ref.renders:
            out = LearnedPrompting(
                "training",
                None,
                ref.kind,
                f"the chat template of `{tok}` ({ref.source})",
                ref.loc,
                jinja=ref.jinja,
                extra=kwargs,
            )
            if ref.kind != "jinja" and kwargs:
                return LearnedPrompting("training", None, "unknown", ref.source)
            out.form = ref.form
            return out
    return LearnedPrompting("training", None, "unknown", f"the chat template of `{tok}`")


def tokenizer_dir(project: Any, ref: str, base_dir) -> ModelDir | None:
    """The directory a tokenizer is loaded from: a path in the tree, else the local Hugging Face
    cache."""
    from ..link.lineage import path_ref
    from ..link.models import hf_cache

    for c in sorted(path_ref(project, ref, None, base_dir).candidates):
        if safe_is_dir(c):
            md = project.model_dir(c)
            if md is not None:
                return md
    if "/" in ref and not ref.startswith((".", "/", "~")):
        return hf_cache(ref)
    return None


def _where(fmt: LearnedFormat) -> str:
    return f"{fmt.loc.path.name}:{fmt.loc.line}"


# -- hand-written formats --------------------------------------------------------------------------


def render_text(
    fmt: LearnedFormat, messages: list[dict], gen: bool, special: dict[str, str] | None = None
) -> str:
    """One example of a hand-written format with the conversation's messages in its fields."""
    special = special or {}
    system: str | None = None
    msgs = list(messages)
    if msgs and msgs[0].get("role") == "system":
        system = str(msgs[0].get("content") or "")
        msgs = msgs[1:]
    roles = [m.get("role") for m in msgs]
    if roles not in (["user"], ["user", "assistant"]):
        raise RenderError("the training format holds one user message (and its answer)")
    user = str(msgs[0].get("content") or "")
    answer = str(msgs[1].get("content") or "") if len(msgs) > 1 else ""
    out: list[str] = []
    for kind, text in fmt.segments:
        if kind == "lit":
            out.append(text)
        elif kind == "field":
            if text == fmt.answer:
                if gen or len(msgs) == 1:
                    break
                out.append(answer)
            elif text == fmt.user:
                out.append(user)
            elif text == fmt.system:
                out.append(system or "")
            else:
                out.append("{" + text + "}")
        elif kind in ("eos", "bos"):
            out.append(special.get(f"{kind}_token", "{" + kind + "_token}"))
        else:
            out.append("{?" + text + "}")
    return "".join(out)


@dataclass
class TextDrift:
    where: str  # "after" (the end of the user's turn / start of the answer) | "before"
    learned: str  # the learned text there (fields and unknown parts as {…})
    served: str  # what the serving template puts there
    prompt_training: str
    prompt_serving: str
    probe: list[dict]


def text_drift(serving: Prompting, fmt: LearnedFormat) -> TextDrift | None:
    """Whether ``serving`` puts the user's message in a different frame than the hand-written
    format the model learned (None: the same, or it cannot be told). A format written
    differently on different paths (with and without an input field ...) drifts only when every
    one of them does."""
    first = _text_drift(serving, fmt)
    if first is None:
        return None
    for alt in fmt.alternatives:
        if _text_drift(serving, alt) is None:
            return None
    return first


def _text_drift(serving: Prompting, fmt: LearnedFormat) -> TextDrift | None:
    segs = fmt.segments
    fields = [i for i, s in enumerate(segs) if s[0] == "field"]
    if not fields or fmt.answer is None or fmt.user is None:
        return None
    ai = fields[-1]
    users = [i for i in fields if i < ai and segs[i][1] == fmt.user]
    if not users:
        return None
    ui = users[-1]
    probe = [{"role": "user", "content": USER}]
    if fmt.system is not None:
        probe.insert(0, {"role": "system", "content": SYSTEM})
    try:
        served = serving.render([dict(m) for m in probe])
        training = render_text(fmt, probe, True)
    except RenderError:
        return None
    k = served.rfind(USER)
    if k < 0:
        return None
    s_pre, s_post = served[:k], served[k + len(USER) :]
    after = segs[ui + 1 : ai]
    if not re.fullmatch(_pattern(after, fmt), s_post):
        return TextDrift("after", _show(after), s_post, training, served, probe)
    line = _last_line(segs[:ui])
    if line and not re.fullmatch(r"[\s\S]*" + _pattern(line, fmt), s_pre):
        return TextDrift("before", _show(line), _tail(s_pre), training, served, probe)
    return None


def _pattern(segs: list[list[str]], fmt: LearnedFormat) -> str:
    out = []
    for kind, text in segs:
        if kind == "lit":
            out.append(re.escape(text))
        elif kind == "field" and text == fmt.system:
            out.append(re.escape(SYSTEM))
        else:
            out.append(r"[\s\S]*?")
    return "".join(out)


def _show(segs: list[list[str]]) -> str:
    out = []
    for kind, text in segs:
        if kind == "lit":
            out.append(text)
        elif kind == "field":
            out.append("{" + text + "}")
        elif kind in ("eos", "bos"):
            out.append("{" + kind + "_token}")
        else:
            out.append("{?}")
    return "".join(out)


def _last_line(segs: list[list[str]]) -> list[list[str]]:
    """The segments of the last line that holds something (the user's role marker)."""
    flat = "".join(t if k == "lit" else _HOLE for k, t in segs)
    stripped = flat.rstrip()
    if not stripped:
        return []
    start = stripped.rfind("\n") + 1
    holes_before = flat[:start].count(_HOLE)
    others = [s for s in segs if s[0] != "lit"]
    out: list[list[str]] = []
    hole_i = holes_before
    for i, piece in enumerate(flat[start:].split(_HOLE)):
        if i > 0:
            out.append(others[hole_i])
            hole_i += 1
        if piece:
            out.append(["lit", piece])
    return out


def _tail(text: str, n: int = 60) -> str:
    return text[-n:]


# -- the served template when only built-in knowledge of the model is there --------------------


def end_of_turn_missing(fmt: LearnedFormat, model_id: str) -> tuple[str, str] | None:
    """(marker, source) when built-in knowledge says the model's own template ends each turn with
    ``marker`` and the hand-written format never closes the user's message with it (the prompt,
    up to the answer, never holds it)."""
    from ..knowledge import models

    info = models.lookup(model_id)
    if info is None or not info.states("end_of_turn") or not info.is_confirmed("end_of_turn"):
        return None
    marker = info.end_of_turn
    if not marker:
        return None
    if info.has_chat_template is False:
        return None
    for f in (fmt, *fmt.alternatives):
        fields = [i for i, s in enumerate(f.segments) if s[0] == "field"]
        if not fields:
            return None
        prompt = f.segments[: fields[-1]]  # up to the answer (an eos may follow the answer)
        literal = "".join(t for k, t in prompt if k == "lit")
        if marker in literal or any(k not in ("lit", "field") for k, _t in prompt):
            return None
    return marker, f"{info.id}'s own chat template (built-in knowledge)"
