"""Hugging Face transformers (and ModelScope's copy of its API): models, tokenizers and
processors loaded with ``from_pretrained`` → ``PeftOp("load-base")``; ``save_pretrained`` →
``PeftOp("save")``; ``apply_chat_template`` and ``generate`` → ``ClientCall`` (api
"transformers") and ``PeftOp("generate")``. ``torch.compile(model)`` is the model.

The model and tokenizer objects are shared with the PEFT and trainer recognisers."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ....facts import ClientCall, PeftOp, Value
from ..astutil import SAME_OBJECT_METHODS, dotted
from ..recogniser import Recogniser, attribute, method, object_call
from ..values import (
    MORE,
    CallArgs,
    ChatText,
    DictV,
    GenConfig,
    ListV,
    Member,
    Obj,
    Sc,
    Tokens,
    Val,
    template_call,
)

if TYPE_CHECKING:
    from ..evaluator import Evaluator

LIBS = ("transformers", "modelscope")
_TEMPLATE_KEYS = (
    "tokenize",
    "chat_template",
    "continue_final_message",
    "enable_thinking",
    "return_dict",
    "tools",
    "chat_template_kwargs",
)


@dataclass(eq=False, kw_only=True)
class HFObj(Obj):
    """A model, tokenizer or processor, with the operation that made it."""

    op: PeftOp | None = None
    model: Val | None = None  # the model id or path it was loaded from
    peft_type: str | None = None  # "LORA", "PROMPT_TUNING" ... for a PEFT model
    base: Obj | None = None  # a PEFT model's base model

    def model_ref(self) -> Val | None:
        return self.model

    def bound(self, name: str) -> None:
        super().bound(name)
        if self.op is not None and self.op.var is None:
            self.op.var = name


@dataclass(eq=False, kw_only=True)
class HFModel(HFObj):
    kind = "hf-model"


@dataclass(eq=False, kw_only=True)
class PeftModel(HFObj):
    """A model with PEFT adapters (``PeftModel.from_pretrained``, ``get_peft_model`` ...)."""

    kind = "peft-model"


@dataclass(eq=False, kw_only=True)
class HFTokenizer(HFObj):
    kind = "hf-tokenizer"


@dataclass(eq=False, kw_only=True)
class HFProcessor(HFObj):
    kind = "hf-processor"


MODEL_CLASSES: tuple[type[HFObj], ...] = (HFModel, PeftModel)


# -- helpers shared with the PEFT and trainer recognisers --------------------------------------


def model_sc(x: Val | None) -> Val | None:
    """The model id/path an object was made from (or the value itself, for a string)."""
    if isinstance(x, Obj):
        return x.model_ref()
    if isinstance(x, Sc):
        return x
    return None


def model_value(ev: Evaluator, x: Val | None) -> Value | None:
    m = model_sc(x)
    return ev.value(m) if m is not None else None


def var_name(x: Val | None, node: ast.expr | None) -> str | None:
    """The variable an argument is read from (``model``, ``self.model``), else the variable its
    object was first bound to."""
    if node is not None:
        d = dotted(node)
        if d:
            return d
    return x.var if isinstance(x, Obj) else None


def with_dtype(extra: dict[str, Value]) -> dict[str, Value]:
    """``torch_dtype=`` also as ``dtype`` (its newer name)."""
    if "torch_dtype" in extra and "dtype" not in extra:
        extra["dtype"] = extra["torch_dtype"]
    return extra


def load_pretrained(ev: Evaluator, cls: str, ca: CallArgs) -> Val | None:
    """``<cls>.from_pretrained(...)`` of a transformers model, tokenizer or processor class."""
    what = _class_kind(cls)
    if what is None:
        return None
    loc = ev.loc(ca.node.func)
    first = ca.get("pretrained_model_name_or_path", 0)
    if first is None:
        first = ca.get("model_name") or ca.get("model_id")
    extra = with_dtype(ev.kw_values(ca, ("pretrained_model_name_or_path",)))
    mv = ev.value(first, loc) if first is not None else None
    op = ev.add_op(PeftOp("load-base", loc, model=mv, what=what, extra=extra))
    kinds: dict[str, type[HFObj]] = {
        "model": HFModel,
        "tokenizer": HFTokenizer,
        "processor": HFProcessor,
    }
    return kinds[what](loc, cls, op=op, model=first)


def _class_kind(cls: str) -> str | None:
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


def save_op(
    ev: Evaluator, obj: Obj, ca: CallArgs, var: str | None, target: Val | None, merged: bool = False
) -> None:
    """``save_pretrained`` / ``push_to_hub`` / ``save_model`` of ``obj``."""
    loc = ev.loc(ca.node.func)
    if isinstance(obj, HFTokenizer):
        what = "tokenizer"
    elif isinstance(obj, HFProcessor):
        what = "processor"
    elif isinstance(obj, PeftModel) and not merged:
        what = "adapter"
    else:
        what = "model"
    peft_type = obj.peft_type if isinstance(obj, HFObj) else None
    op = PeftOp("save", loc, var=var, what=what, peft_type=peft_type)
    op.target = ev.value(target, loc) if target is not None else None
    op.model = model_value(ev, obj)
    extra: dict[str, Any] = ev.kw_values(ca, ("save_directory",))
    meth = ca.node.func.attr if isinstance(ca.node.func, ast.Attribute) else ""
    if meth != "save_pretrained":
        extra["method"] = meth
    op.extra = extra
    ev.add_op(op)


def _save_target(ca: CallArgs) -> Val | None:
    return ca.get("save_directory", 0) or ca.get("repo_id")


# -- hooks ----------------------------------------------------------------------------------------


def library_call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    parts = qual.split(".")
    last = parts[-1]
    if last == "from_pretrained" and len(parts) >= 3:
        return load_pretrained(ev, parts[-2], ca)
    if last == "GenerationConfig":
        return GenConfig(
            ev.loc(ca.node.func),
            "transformers.GenerationConfig",
            kwargs=dict(ca.kwargs),
            locs=dict(ca.kw_locs),
        )
    return None


def torch_call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    if qual.rsplit(".", 1)[-1] == "compile":
        x = ca.get("model", 0)
        return x if isinstance(x, Obj) else None
    return None


def tokenizer_method(
    ev: Evaluator, tok: HFObj, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    if len(attrs) != 1:
        return None
    return _tokenizer_call(ev, tok, attrs[0], ca, m.base_name)


def tokenizer_call(ev: Evaluator, tok: HFObj, ca: CallArgs) -> Val | None:
    return _tokenizer_call(ev, tok, "__call__", ca, tok.var)


def _tokenizer_call(
    ev: Evaluator, tok: HFObj, meth: str, ca: CallArgs, recv: str | None
) -> Val | None:
    loc = ev.loc(ca.node.func)
    if meth == "apply_chat_template":
        return _apply_chat_template(ev, tok, ca, recv)
    if meth in ("__call__", "encode", "batch_encode_plus", "encode_plus"):
        text = ca.get("text", 0)
        src, msgs, _ = ev.prompt_source(text) if text is not None else ("unknown", None, False)
        return Tokens(
            loc,
            source=src,
            messages=msgs,
            text=text,
            encoding=mm_encoding(ev, tok, ca, None),
            template_op=_retokenized(ev, text, ca, tok),
        )
    if meth in ("save_pretrained", "push_to_hub"):
        save_op(ev, tok, ca, recv or tok.var, _save_target(ca))
        return Sc(None, ev.loc(ca.node))
    return None


def _apply_chat_template(ev: Evaluator, tok: HFObj, ca: CallArgs, recv: str | None) -> Val:
    loc = ev.loc(ca.node.func)
    msgs_x = ca.get("conversation", 0)
    if msgs_x is None:
        msgs_x = ca.get("messages")
    call = ClientCall("chat", "transformers", loc, context="transformers")
    call.engine_var = tok.var or recv
    call.model = model_value(ev, tok)
    call.messages = ev.conversation(msgs_x, loc)
    agp = ca.kwargs.get("add_generation_prompt")
    call.extra["add_generation_prompt"] = (
        ev.value(agp, ca.kw_locs.get("add_generation_prompt")) if agp is not None else None
    )
    ev.copy_request_keys(call, ca.kwargs, ca.kw_locs, _TEMPLATE_KEYS)
    ev.note_spreads(call, ca)
    ev.add_call(call)
    tokenize = ca.kwargs.get("tokenize")
    if tokenize is None:  # processors return text by default, tokenizers token ids
        is_text = isinstance(tok, HFProcessor)
    else:
        is_text = isinstance(tokenize, Sc) and tokenize.resolved and tokenize.value is False
    skip = ("tokenize", "add_generation_prompt", "conversation", "messages", "return_tensors")
    kw = {k: v for k, v in ca.kwargs.items() if k not in skip}
    chat = ChatText(
        loc,
        messages=call.messages,
        tokenizer=tok,
        call=loc,
        template_kwargs=kw,
        template_op=call,
    )
    if is_text:
        return chat
    return Tokens(
        loc,
        source="chat",
        messages=call.messages,
        text=chat,
        encoding=mm_encoding(ev, tok, ca, msgs_x),
        template_op=call,
    )


def model_method(
    ev: Evaluator, model: HFObj, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    if len(attrs) != 1:
        return None
    meth = attrs[0]
    recv = m.base_name
    if meth in SAME_OBJECT_METHODS:
        return model
    if meth in ("save_pretrained", "push_to_hub", "save_pretrained_merged"):
        merged = meth == "save_pretrained_merged"
        save_op(ev, model, ca, recv or model.var, _save_target(ca), merged=merged)
        return Sc(None, ev.loc(ca.node.func))
    if meth == "generate":
        return _generate(ev, model, ca, recv)
    return None


def _generate(ev: Evaluator, model: HFObj, ca: CallArgs, recv: str | None) -> Val:
    loc = ev.loc(ca.node.func)
    kw = dict(ca.kwargs)
    locs = dict(ca.kw_locs)
    gc = kw.get("generation_config")
    if isinstance(gc, GenConfig):
        for k, v in gc.kwargs.items():
            kw.setdefault(k, v)
            locs.setdefault(k, gc.locs.get(k, gc.loc))
    inputs = ca.get("inputs", 0)
    if inputs is None:
        inputs = kw.get("input_ids")
    if inputs is None:
        inputs = next((s for s in ca.spreads if isinstance(s, Obj)), None)
    src, msgs, markup = ev.prompt_source(inputs) if inputs is not None else ("unknown", None, False)
    feeds_generation(inputs, loc)
    is_peft = isinstance(model, PeftModel)
    extra: dict[str, Any] = {
        k: ev.value(v, locs.get(k))
        for k, v in kw.items()
        if k not in ("input_ids",) and not isinstance(v, Obj)
    }
    op = PeftOp("generate", loc, var=recv or model.var, peft_type=model.peft_type, extra=extra)
    op.model = model_value(ev, model)
    # (op.extra is `extra`: what is noted here is also in the call's generate_kwargs)
    op.extra["receiver_is_peft"] = is_peft
    if ca.spreads:
        op.extra["unresolved_kwargs"] = [
            t for s, t in zip(ca.spreads, ca.spread_texts, strict=True) if not isinstance(s, Obj)
        ]
        if not op.extra["unresolved_kwargs"]:
            del op.extra["unresolved_kwargs"]
    ev.add_op(op)
    call = ClientCall(
        "chat" if src == "chat" else "completion", "transformers", loc, context="transformers"
    )
    call.engine_var = recv or model.var
    call.model = op.model
    call.messages = msgs if src == "chat" else None
    call.sampling = ev.sampling(kw, locs)
    call.extra["prompt_is_raw_text"] = {"raw": True, "chat": False}.get(src)
    if markup:
        call.extra["prompt_has_chat_markup"] = True
    call.extra["generate_kwargs"] = {k: v for k, v in extra.items() if k != "receiver_is_peft"}
    if isinstance(inputs, Tokens) and inputs.encoding is not None:
        call.extra["input_encoding"] = inputs.encoding
    if is_peft:
        call.extra["peft_type"] = model.peft_type
    ev.add_call(call)
    return Tokens(loc, source="unknown")


def base_model(ev: Evaluator, model: HFObj, attr: str, node: ast.Attribute) -> Val | None:
    return model.base if attr == "base_model" else None


# -- issue 13 (DPL104): what becomes of apply_chat_template's output ----------------------------


def feeds_generation(prompt: Val | None, at: Any) -> None:
    """Note on the ``apply_chat_template`` call behind ``prompt`` that it is generated from."""
    tc = template_call(prompt)
    if tc is not None:
        tc.extra.setdefault("feeds_generation", at)


_LEADING_SPECIAL = re.compile(r"^\s*(<[|\uff5c][^<>]{1,40}[|\uff5c]>|<s>|<bos>)")


def _literal_at(ev: Evaluator, token: str) -> Any:
    """The first place the module writes ``token`` inside a string literal (where a hand-built
    prompt's leading special token is typed)."""
    from ....location import Loc

    for i, line in enumerate(ev.lines, 1):
        col = line.find(token)
        if col > 0 and ('"' in line[:col] or "'" in line[:col]):
            return Loc(ev.path, i, col + 1, i, col + 1 + len(token))
    return None


def note_template_prompt(ev: Evaluator, prompt: Val | None, call: ClientCall) -> None:
    """A completions request whose prompt is apply_chat_template text: the template call feeds
    generation and its text is tokenized again by the server. A prompt written as text keeps
    what is known of it (``prompt_text``: unknown parts as ``{expr}``)."""
    if isinstance(prompt, Sc) and prompt.text:
        call.extra.setdefault("prompt_text", prompt.text)
        m = _LEADING_SPECIAL.match(prompt.text)
        if m:
            at = _literal_at(ev, m.group(1))
            if at is not None:
                call.extra.setdefault("prompt_prefix_loc", at)
    tc = template_call(prompt)
    if tc is None:
        return
    tc.extra.setdefault("feeds_generation", call.loc)
    if isinstance(prompt, ChatText) or (
        isinstance(prompt, ListV) and any(isinstance(i, ChatText) for i in prompt.items)
    ):
        tc.extra.setdefault("text_sent_to", call)


def _retokenized(ev: Evaluator, text: Val | None, ca: CallArgs, tok: HFObj | None) -> Any:
    """``tokenizer(text)`` of chat-template text: noted on the template call (with the
    ``add_special_tokens`` it was given, None when left to its default of True)."""
    tc = template_call(text)
    if tc is not None and isinstance(text, (ChatText, ListV)):
        ast_ = ca.kwargs.get("add_special_tokens")
        tc.extra.setdefault(
            "retokenized",
            {
                "loc": ev.loc(ca.node.func),
                "add_special_tokens": ev.value(ast_, ca.kw_locs.get("add_special_tokens"))
                if ast_ is not None
                else None,
                "unresolved_kwargs": bool(ca.spreads),
                "same_tokenizer": tok is None or tok.var == tc.engine_var,
            },
        )
    return tc


def unseen_receiver(
    ev: Evaluator, attrs: tuple[str, ...], ca: CallArgs, recv: str | None
) -> Val | None:
    """``tokenizer.apply_chat_template(...)`` and ``model.generate(<its output>)`` on objects the
    module does not show (function parameters): the method names are transformers' own."""
    if attrs == ("apply_chat_template",):
        name = (recv or "").rsplit(".", 1)[-1].lower()
        tok: HFObj = (HFProcessor if "processor" in name else HFTokenizer)(
            ev.loc(ca.node.func), "apply_chat_template"
        )
        tok.var = recv
        return _apply_chat_template(ev, tok, ca, recv)
    if attrs == ("generate",):
        inputs = ca.get("inputs", 0)
        if inputs is None:
            inputs = ca.kwargs.get("input_ids")
        if inputs is None:
            inputs = next((x for x in ca.spreads if isinstance(x, Obj)), None)
        if template_call(inputs) is None:
            return None
        feeds_generation(inputs, ev.loc(ca.node.func))
        return Tokens(ev.loc(ca.node.func), source="unknown")
    return None


# -- multimodal inputs and processor attributes (issue 12: DPL701, DPL702, DPL703) -------------

_ENCODING_KEYS = ("padding", "max_length", "truncation", "padding_side", "pad_to_multiple_of")
_PIXEL_KEYS = ("min_pixels", "max_pixels", "size", "images_kwargs")
_LEFT_PADDING = re.compile(r"""padding_side\s*=\s*["']left["']""")
_RIGHT_PADDING = re.compile(r"""padding_side\s*=\s*["']right["']""")


def mm_encoding(
    ev: Evaluator, tok: HFObj, ca: CallArgs, msgs_x: Val | None
) -> dict[str, Any] | None:
    """What a processor call does to a prompt with images: padding and truncation as given, the
    images it carries, and the processor's own pixel settings. None for a tokenizer, or a call
    that names no images."""
    if not isinstance(tok, HFProcessor):
        return None
    images = count_images(msgs_x) if msgs_x is not None else None
    img_arg = ca.kwargs.get("images")
    if img_arg is not None and not (
        isinstance(img_arg, Sc) and img_arg.resolved and img_arg.value is None
    ):
        n = count_images(img_arg, top=True)
        images = max(images or 0, n or 1)
    if not images:
        return None
    enc: dict[str, Any] = {
        "loc": ev.loc(ca.node.func),
        "images": images,
        "processor_var": tok.var,
        "processor_model": model_value(ev, tok),
    }
    for k in _ENCODING_KEYS:
        if k in ca.kwargs:
            enc[k] = ev.value(ca.kwargs[k], ca.kw_locs.get(k))
    for k in _PIXEL_KEYS:
        if k in ca.kwargs:
            enc["call_" + k] = ev.value(ca.kwargs[k], ca.kw_locs.get(k))
    load = tok.op
    if load is not None:
        enc["processor_loc"] = load.loc
        for k in (*_PIXEL_KEYS, "padding_side"):
            if k in load.extra:
                enc["load_" + k] = load.extra[k]
    text = "\n".join(ev.lines)
    if "padding_side" not in enc and "load_padding_side" not in enc:
        if _LEFT_PADDING.search(text):
            enc["padding_side_in_code"] = "left"
        elif _RIGHT_PADDING.search(text):
            enc["padding_side_in_code"] = "right"
    return enc


def count_images(x: Val | None, top: bool = False) -> int | None:
    """Image items in a conversation (``{"type": "image", ...}``, ``{"image": ...}``,
    ``{"type": "image_url", ...}``), the most of any one conversation of a batch; for ``top``
    (an ``images=`` argument) the number of items of the list. None: none seen."""
    if top:
        if isinstance(x, ListV):
            known = [i for i in x.items if i is not MORE]
            return len(known) or None
        return 1 if x is not None else None
    if isinstance(x, ListV):
        items = [i for i in x.items if i is not MORE]
        if x.elem is not None:
            items.append(x.elem)
        if items and all(isinstance(i, ListV) for i in items):  # a batch of conversations
            counts = [count_images(i) or 0 for i in items]
            return max(counts) or None
        total = sum(count_images(i) or 0 for i in items)
        return total or None
    if isinstance(x, DictV):
        t = x.entries.get("type")
        kind = t.value if isinstance(t, Sc) and t.resolved else None
        if kind in ("image", "image_url") or (
            kind is None and ("image" in x.entries or "image_url" in x.entries)
        ):
            return 1
        content = x.entries.get("content")
        return count_images(content) if content is not None else None
    return None


#: attributes of a tokenizer that a multimodal processor does not have (ProcessorMixin defines
#: no __getattr__; transformers processing_utils.py v4.47.0..v5.x)
TOKENIZER_ONLY = frozenset(
    {
        "pad_token_id",
        "eos_token_id",
        "bos_token_id",
        "unk_token_id",
        "pad_token",
        "eos_token",
        "bos_token",
        "unk_token",
        "all_special_ids",
        "all_special_tokens",
        "vocab_size",
        "padding_side",
        "model_max_length",
    }
)


def processor_attribute(
    ev: Evaluator, proc: HFProcessor, attr: str, node: ast.Attribute
) -> Val | None:
    """``processor.pad_token_id``: noted as a ``PeftOp("attribute")`` (DPL703 decides whether the
    processor is a multimodal one, which has no such attribute)."""
    if attr in TOKENIZER_ONLY and isinstance(node.ctx, ast.Load):
        op = PeftOp("attribute", ev.loc(node), what="processor", model=model_value(ev, proc))
        op.extra = {
            "attribute": attr,
            "receiver": dotted(node.value) or proc.var,
            "processor_class": proc.cls,
            "processor_loc": proc.op.loc if proc.op is not None else proc.loc,
        }
        ev.add_op(op)
    return None


RECOGNISER = Recogniser(
    name="transformers",
    libs=LIBS,
    call=library_call,
    methods=(
        method(HFModel, model_method),
        method(PeftModel, model_method),
        method(HFTokenizer, tokenizer_method),
        method(HFProcessor, tokenizer_method),
    ),
    object_calls=(
        object_call(HFTokenizer, tokenizer_call),
        object_call(HFProcessor, tokenizer_call),
    ),
    attributes=(
        attribute(HFModel, base_model),
        attribute(PeftModel, base_model),
        attribute(HFProcessor, processor_attribute),
    ),
    unknown_receiver=unseen_receiver,
)
TORCH = Recogniser(name="torch", libs=("torch",), call=torch_call)
