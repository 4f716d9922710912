"""DPL104 double-bos-or-no-generation-prompt: a chat prompt built by hand that the model does not
see as the template intends —

* ``apply_chat_template(...)`` without ``add_generation_prompt=True`` whose output is generated
  from: the prompt ends after the user turn, with no assistant header;
* chat-template text (``tokenize=False``) or a prompt written with the BOS token tokenized again
  with special tokens (``tokenizer(text)``, ``LLM.generate(text)``, ``/v1/completions``) while the
  tokenizer prepends BOS itself: the model sees two BOS tokens.

Whether an engine adds special tokens to a text prompt is asked of the engine
(``Engine.prompt_special_tokens``); what the template and tokenizer do is read from the model's
files (tokenizer_config.json) or built-in knowledge of its id."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..engines.base import NotApplicable
from ..engines.cli import ParsedArgs
from ..facts import ClientCall, Launch, ModelDir, Value
from ..findings import Finding
from ..location import Loc
from . import Context

#: The library whose ``apply_chat_template`` the calls come from (its recogniser's api).
TEMPLATE_API = "transformers"


# -- what the model's tokenizer and template do ---------------------------------------------------


class TokenizerFacts:
    """BOS handling of one model: the BOS text, whether encoding text adds it, whether the chat
    template writes it, whether the template honours add_generation_prompt — with why."""

    def __init__(self, md: ModelDir | None, info: Any, ref: str):
        self.ref = ref
        self.bos: str | None = None
        self.adds_bos: bool | None = None
        self.template_bos: bool | None = None
        self.uses_generation_prompt: bool | None = None
        self.why: list[str] = []  # why the tokenizer adds BOS
        self.why_template: list[str] = []  # why the template writes it
        self.sources: list[str] = []
        tc = md.json("tokenizer_config.json") if md is not None else {}
        if tc:
            bos = tc.get("bos_token")
            if isinstance(bos, dict):
                bos = bos.get("content")
            self.bos = bos if isinstance(bos, str) and bos else None
            add = tc.get("add_bos_token")
            if isinstance(add, bool):
                self.adds_bos = add
                self.why.append(f"tokenizer_config.json add_bos_token: {str(add).lower()}")
            template = _template_text(md, tc)
            if template is not None:
                head = template.split("{%- for", 1)[0].split("{% for", 1)[0]
                self.template_bos = bool(re.search(r"\bbos_token\b", head))
                self.uses_generation_prompt = "add_generation_prompt" in template
                if self.template_bos:
                    self.why_template.append("its chat template writes bos_token first")
        if info is not None:
            if self.bos is None and info.bos_token:
                self.bos = info.bos_token
            if self.adds_bos is None and info.adds_bos_token is not None:
                self.adds_bos = info.adds_bos_token
                self.why.append(f"built-in knowledge: the {info.id} tokenizer adds BOS")
                self.sources.append(info.sources.get("adds_bos_token", ""))
            if self.template_bos is None and info.template_bos is not None:
                self.template_bos = info.template_bos
                self.why_template.append(f"built-in knowledge: the {info.id} template writes BOS")
                self.sources.append(info.sources.get("template_bos", ""))


def _template_text(md: ModelDir | None, tc: dict[str, Any]) -> str | None:
    t = tc.get("chat_template")
    if isinstance(t, str):
        return t
    if isinstance(t, list):
        for item in t:
            if isinstance(item, dict) and item.get("name") == "default":
                body = item.get("template")
                return body if isinstance(body, str) else None
    if md is not None and md.chat_template_jinja:
        return md.chat_template_jinja
    return None


def _facts_for(project: Any, ref: str, near: Loc) -> TokenizerFacts | None:
    from ..knowledge import models

    fake = Launch(TEMPLATE_API, "from_pretrained", near, [], ParsedArgs(), "", near.path.parent)
    mr = project.resolve_ref(fake, None, ref)
    if not mr.resolved:
        return None
    md = mr.directory
    info = models.lookup(ref) if md is None else None
    if md is None and info is None:
        return None
    return TokenizerFacts(md, info, ref)


def _template_model(project: Any, call: ClientCall) -> str | None:
    """The model id/path of the tokenizer an apply_chat_template call runs on."""
    if call.model is not None and isinstance(call.model.value, str) and call.model.resolved:
        return call.model.value
    var = call.engine_var
    if not var:
        return None
    loads = [
        op
        for op in project.peft_ops
        if op.op == "load-base"
        and op.loc.path == call.loc.path
        and op.what in ("tokenizer", "processor")
        and op.var == var
        and op.model is not None
        and isinstance(op.model.value, str)
        and op.model.resolved
    ]
    refs = {op.model.value for op in loads}  # type: ignore[union-attr]
    return refs.pop() if len(refs) == 1 else None


def _false(v: Any) -> bool:
    return isinstance(v, Value) and v.resolved and v.value is False


def _true(v: Any) -> bool:
    return isinstance(v, Value) and v.resolved and v.value is True


def _request_turns_off_special_tokens(call: ClientCall) -> bool | None:
    """True when the request sends add_special_tokens false; None when the code may send it."""
    x = call.extra
    if _false(x.get("add_special_tokens")):
        return True
    eb = x.get("extra_body")
    if isinstance(eb, dict) and _false(eb.get("add_special_tokens")):
        return True
    if x.get("unresolved_kwargs") or x.get("body_incomplete") or x.get("extra_body_incomplete"):
        return None
    if isinstance(eb, Value) and not eb.resolved:
        return None
    return False


# -- the three findings ---------------------------------------------------------------------------


def _no_generation_prompt(ctx: Context, call: ClientCall) -> Finding | None:
    at = call.extra.get("feeds_generation")
    if not isinstance(at, Loc):
        return None
    x = call.extra
    agp = x.get("add_generation_prompt")
    if agp is not None and not _false(agp):
        return None  # True, or not known
    if x.get("unresolved_kwargs") or _true(x.get("continue_final_message")):
        return None
    if x.get("chat_template_kwargs") is not None:
        return None
    roles = call.messages.roles if call.messages is not None else []
    if roles and roles[-1] == "assistant":
        return None  # continuing an assistant turn
    ref = _template_model(ctx.project, call)
    facts = _facts_for(ctx.project, ref, call.loc) if ref else None
    if facts is not None and facts.uses_generation_prompt is False:
        return None  # the template always ends with the assistant header
    recv = call.engine_var or "tokenizer"
    given = "add_generation_prompt=False" if agp is not None else "no add_generation_prompt"
    return ctx.finding(
        call.loc,
        f"`{recv}.apply_chat_template(...)` with {given} is generated from (line {at.line}): "
        "the prompt ends after the last user turn without the assistant header, so the model "
        "continues the user's message instead of answering (transformers defaults "
        "add_generation_prompt to False)",
        fix="pass add_generation_prompt=True to apply_chat_template",
        evidence={
            "generate": at,
            "roles": roles,
            "model": ref,
            "template_uses_add_generation_prompt": facts.uses_generation_prompt if facts else None,
        },
        anchor="apply_chat_template add_generation_prompt",
    )


def _template_double_bos(ctx: Context, call: ClientCall) -> Finding | None:
    """apply_chat_template(tokenize=False) text tokenized again with special tokens."""
    if not _false(call.extra.get("tokenize")):
        return None
    where: Loc | None = None
    how = ""
    fix = ""
    re_tok = call.extra.get("retokenized")
    if isinstance(re_tok, dict) and not re_tok.get("unresolved_kwargs"):
        flag = re_tok.get("add_special_tokens")
        if flag is None or _true(flag):
            where = re_tok["loc"]
            how = "the tokenizer call adds special tokens (add_special_tokens defaults to True)"
            fix = "pass add_special_tokens=False when tokenizing the template's text"
    target = call.extra.get("text_sent_to")
    if where is None and isinstance(target, ClientCall) and target.launch is not None:
        d = ctx.project.deployment_of(target.launch)
        if d is not None and _request_turns_off_special_tokens(target) is False:
            st = d.engine.prompt_special_tokens(d.launch, target)
            if not isinstance(st, NotApplicable) and st.added:
                where = target.loc
                how = f"{d.phrase} tokenizes it with special tokens ({st.source})"
                fix = f"send {st.off}" if st.off else "turn off special tokens for this prompt"
    if where is None:
        return None
    ref = _template_model(ctx.project, call)
    facts = _facts_for(ctx.project, ref, call.loc) if ref else None
    if facts is None or not (facts.template_bos and facts.adds_bos):
        return None
    bos = facts.bos or "BOS"
    return ctx.finding(
        where,
        f"the text of `apply_chat_template(..., tokenize=False)` (line {call.loc.line}) already "
        f"starts with {bos!r}, and {how}: the tokenizer of `{ref}` prepends it again, so the "
        f"model sees two BOS tokens ({'; '.join(facts.why_template + facts.why)})",
        fix=fix,
        evidence={
            "model": ref,
            "bos_token": bos,
            "template_call": call.loc,
            "why": facts.why_template + facts.why,
            "sources": facts.sources,
        },
        anchor=f"double bos {bos}",
    )


def _literal_double_bos(ctx: Context, d: Any, call: ClientCall) -> Finding | None:
    """A hand-built completions prompt that starts with the BOS token, sent to a route that adds
    special tokens."""
    if call.kind == "chat":
        return None
    text = call.extra.get("prompt_text")
    if not isinstance(text, str) or not text:
        return None
    if _request_turns_off_special_tokens(call) is not False:
        return None
    md = d.tokenizer_dir
    from ..knowledge import models

    info = models.lookup(d.model.ref) if (md is None and d.model is not None) else None
    facts = TokenizerFacts(md, info, d.model.ref if d.model is not None else "")
    if not facts.bos or not facts.adds_bos or not text.lstrip().startswith(facts.bos):
        return None
    st = d.engine.prompt_special_tokens(d.launch, call)
    if isinstance(st, NotApplicable) or not st.added:
        return None
    where = _literal_loc(call, facts.bos)
    return ctx.finding(
        where,
        f"the prompt sent to {d.phrase} at line {call.loc.line} starts with {facts.bos!r}, and "
        f"{st.source}: the tokenizer of `{facts.ref}` prepends it again, so the model sees two "
        f"BOS tokens ({'; '.join(facts.why)})",
        fix=f"drop {facts.bos!r} from the prompt, or send {st.off}",
        evidence={
            **d.evidence(),
            "bos_token": facts.bos,
            "request": call.loc,
            "why": facts.why,
            "sources": facts.sources,
        },
        anchor=f"literal bos {facts.bos}",
    )


def _literal_loc(call: ClientCall, bos: str) -> Loc:
    """Where the BOS text is written (the string literal a fix edits), else the request."""
    at = call.extra.get("prompt_prefix_loc")
    return at if isinstance(at, Loc) else call.loc


def check(ctx: Context) -> Iterator[Finding]:
    seen: set[tuple[Any, ...]] = set()

    def once(f: Finding | None) -> Iterator[Finding]:
        if f is None:
            return
        key = (f.loc.path, f.loc.line, f.anchor)
        if key not in seen:
            seen.add(key)
            yield f

    for call in ctx.project.clients:
        if call.api != TEMPLATE_API or call.kind != "chat":
            continue
        yield from once(_no_generation_prompt(ctx, call))
        yield from once(_template_double_bos(ctx, call))
    for d in ctx.deployments:
        for call in d.clients:
            yield from once(_literal_double_bos(ctx, d, call))
