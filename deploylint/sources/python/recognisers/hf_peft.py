"""PEFT: adapter configs (``LoraConfig``, ``PromptTuningConfig`` ...), ``get_peft_model`` →
``PeftOp("get-peft-model")``; ``PeftModel.from_pretrained(base, adapter)`` /
``AutoPeftModel*.from_pretrained`` / ``model.load_adapter`` → ``PeftOp("load-adapter")``;
``merge_and_unload`` / ``merge_adapter`` → ``PeftOp("merge")``."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ....facts import PeftOp
from ..recogniser import Recogniser, method
from ..values import CallArgs, KwargsObj, Member, Obj, Sc, Val
from .hf_transformers import HFModel, HFObj, PeftModel, model_sc, model_value, var_name

if TYPE_CHECKING:
    from ..evaluator import Evaluator

PEFT_TYPES = {
    "LoraConfig": "LORA",
    "PromptTuningConfig": "PROMPT_TUNING",
    "PrefixTuningConfig": "PREFIX_TUNING",
    "PromptEncoderConfig": "P_TUNING",
    "AdaLoraConfig": "ADALORA",
    "IA3Config": "IA3",
    "LoHaConfig": "LOHA",
    "LoKrConfig": "LOKR",
    "OFTConfig": "OFT",
    "BOFTConfig": "BOFT",
    "VeraConfig": "VERA",
    "XLoraConfig": "XLORA",
    "AdaptionPromptConfig": "ADAPTION_PROMPT",
    "MultitaskPromptTuningConfig": "MULTITASK_PROMPT_TUNING",
}


@dataclass(eq=False, kw_only=True)
class PeftConfig(KwargsObj):
    kind = "peft-config"
    peft_type: str | None  # None for a config class not in PEFT_TYPES


def library_call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    parts = qual.split(".")
    last = parts[-1]
    if last == "from_pretrained" and len(parts) >= 3:
        return _from_pretrained(ev, parts[-2], ca)
    if last == "get_peft_model":
        return get_peft_model(
            ev, ca.get("model", 0), ca.node_of("model", 0), ca.get("peft_config", 1), ca
        )
    if last in PEFT_TYPES or last.endswith("Config") and len(parts) == 2:
        return PeftConfig(
            ev.loc(ca.node.func),
            last,
            kwargs=dict(ca.kwargs),
            locs=dict(ca.kw_locs),
            peft_type=PEFT_TYPES.get(last),
        )
    if last == "prepare_model_for_kbit_training":
        x = ca.get("model", 0)
        return x if isinstance(x, Obj) else None
    return None


def _from_pretrained(ev: Evaluator, cls: str, ca: CallArgs) -> Val | None:
    loc = ev.loc(ca.node.func)
    if cls in ("PeftModel", "PeftModelForCausalLM", "PeftModelForSeq2SeqLM") or (
        cls.startswith("PeftModelFor")
    ):
        base = ca.get("model", 0)
        adapter = ca.get("model_id", 1)
        op = ev.add_op(
            PeftOp(
                "load-adapter",
                loc,
                source_var=var_name(base, ca.node_of("model", 0)),
                adapter=ev.value(adapter, loc) if adapter is not None else None,
                model=model_value(ev, base),
                extra=ev.kw_values(ca, ("model", "model_id")),
            )
        )
        return PeftModel(
            loc,
            cls,
            op=op,
            base=base if isinstance(base, Obj) else None,
            model=model_sc(base),
        )
    if cls.startswith("AutoPeftModel"):
        adapter = ca.get("pretrained_model_name_or_path", 0)
        op = ev.add_op(
            PeftOp(
                "load-adapter",
                loc,
                adapter=ev.value(adapter, loc) if adapter is not None else None,
                extra=ev.kw_values(ca, ("pretrained_model_name_or_path",)),
            )
        )
        return PeftModel(loc, cls, op=op)
    return None


def get_peft_model(
    ev: Evaluator, model: Val | None, mnode: ast.expr | None, cfg: Val | None, ca: CallArgs
) -> PeftModel:
    """``get_peft_model(model, config)`` (and the same made by a trainer or Unsloth)."""
    loc = ev.loc(ca.node.func)
    op = PeftOp("get-peft-model", loc, source_var=var_name(model, mnode))
    op.model = model_value(ev, model)
    if isinstance(cfg, PeftConfig):
        op.config = {k: ev.value(v, cfg.locs.get(k)) for k, v in cfg.kwargs.items()}
        op.peft_type = cfg.peft_type
    elif cfg is not None:
        op.extra["config"] = ev.value(cfg)
    ev.add_op(op)
    return PeftModel(
        loc,
        "PeftModel",
        op=op,
        peft_type=op.peft_type,
        base=model if isinstance(model, Obj) else None,
        model=model_sc(model),
    )


def model_method(
    ev: Evaluator, model: HFObj, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    if len(attrs) != 1:
        return None
    meth = attrs[0]
    recv = m.base_name
    loc = ev.loc(ca.node.func)
    if meth in ("merge_and_unload", "merge_adapter"):
        op = ev.add_op(
            PeftOp("merge", loc, source_var=recv or model.var, peft_type=model.peft_type)
        )
        op.model = model_value(ev, model)
        if meth == "merge_adapter":
            op.var = recv or model.var
            return Sc(None, loc)
        return HFModel(loc, "merged", op=op, model=model.model)
    if meth == "load_adapter":
        adapter = ca.get("peft_model_id", 0)
        ev.add_op(
            PeftOp(
                "load-adapter",
                loc,
                var=recv or model.var,
                source_var=recv or model.var,
                adapter=ev.value(adapter, loc) if adapter is not None else None,
                model=model_value(ev, model),
                extra=ev.kw_values(ca, ("peft_model_id",)),
            )
        )
        return Sc(None, loc)
    return None


RECOGNISER = Recogniser(
    name="peft",
    libs=("peft",),
    call=library_call,
    methods=(method(HFModel, model_method), method(PeftModel, model_method)),
)
