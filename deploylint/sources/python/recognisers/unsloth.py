"""Unsloth: ``FastLanguageModel.from_pretrained(...)`` → a model and a tokenizer (two
``PeftOp("load-base")``), ``FastLanguageModel.get_peft_model(model, r=...)`` → a LoRA
``PeftOp("get-peft-model")``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ....facts import PeftOp, Value
from ..recogniser import Recogniser
from ..values import CallArgs, ListV, Sc, Val
from .hf_peft import PeftConfig, get_peft_model
from .hf_transformers import HFModel, HFTokenizer, with_dtype

if TYPE_CHECKING:
    from ..evaluator import Evaluator


def library_call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    parts = qual.split(".")
    last = parts[-1]
    loc = ev.loc(ca.node.func)
    if last == "from_pretrained" and len(parts) >= 3:
        cls = parts[-2]
        if not cls.startswith("Fast"):
            return None
        # FastLanguageModel.from_pretrained(...) -> (model, tokenizer)
        model = ca.get("model_name", 0)
        extra = with_dtype(ev.kw_values(ca, ("model_name",)))
        # Unsloth loads an adapter directory itself (base model from adapter_config.json)
        extra["loader"] = Value("unsloth", loc)
        mv = ev.value(model, loc) if model is not None else None
        op_m = ev.add_op(PeftOp("load-base", loc, model=mv, what="model", extra=extra))
        op_t = ev.add_op(PeftOp("load-base", loc, model=mv, what="tokenizer", extra=dict(extra)))
        m_obj = HFModel(loc, cls, op=op_m, model=model)
        t_obj = HFTokenizer(loc, cls, op=op_t, model=model)
        return ListV([m_obj, t_obj], loc, ev.here, is_tuple=True)
    if last == "get_peft_model" and len(parts) >= 3:
        # FastLanguageModel.get_peft_model(model, r=16, ...): a LoRA config in the keywords
        cfg = PeftConfig(
            loc,
            "LoraConfig",
            kwargs={k: v for k, v in ca.kwargs.items() if k != "model"},
            locs=dict(ca.kw_locs),
            peft_type="LORA",
        )
        return get_peft_model(ev, ca.get("model", 0), ca.node_of("model", 0), cfg, ca)
    if last == "for_inference":
        return Sc(None, ev.loc(ca.node))
    return None


RECOGNISER = Recogniser(name="unsloth", libs=("unsloth",), call=library_call)
