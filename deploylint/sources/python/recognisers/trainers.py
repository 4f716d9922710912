"""Trainers of TRL and transformers (``SFTTrainer(model, peft_config=...)``, ``Trainer(...)``,
``trainer.save_model()``) and TRL's value-head models → ``PeftOp``s like those of PEFT itself."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ....facts import SftRun
from ..recogniser import Recogniser, attribute, method
from ..values import CallArgs, Member, Obj, Sc, Val
from .hf_peft import get_peft_model
from .hf_transformers import HFObj, load_pretrained, save_op
from .sft_data import record_run

if TYPE_CHECKING:
    from ..evaluator import Evaluator


@dataclass(eq=False, kw_only=True)
class Trainer(Obj):
    kind = "trainer"
    model: Obj | None  # the model it trains (a PEFT model when given peft_config=)
    run: SftRun | None = None  # the run it stands for (sft_data.py)

    def model_ref(self) -> Val | None:
        return self.model

    def bound(self, name: str) -> None:
        super().bound(name)
        model = self.model
        if isinstance(model, HFObj) and model.op is not None and model.op.var is None:
            model.op.var = f"{name}.model"
        if self.run is not None and self.run.trainer_var is None:
            self.run.trainer_var = name


def _trainer(ev: Evaluator, cls: str, ca: CallArgs) -> Val | None:
    """``transformers.Trainer(...)``, ``trl.SFTTrainer(...)`` ..."""
    if not cls.endswith("Trainer"):
        return None
    loc = ev.loc(ca.node.func)
    model = ca.get("model", 0)
    cfg = ca.get("peft_config")
    trained = model if isinstance(model, Obj) else None
    if cfg is not None:
        peft = get_peft_model(ev, model, ca.node_of("model", 0), cfg, ca)
        assert peft.op is not None
        if isinstance(model, Sc):
            peft.op.model = ev.value(model, ca.kw_locs.get("model"))
        peft.op.extra["trainer"] = cls
        trained = peft
    run = record_run(ev, cls, ca, trained)
    return Trainer(loc, cls, model=trained, run=run)


def library_call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    parts = qual.split(".")
    if parts[0] == "trl" and parts[-1] == "from_pretrained" and len(parts) >= 3:
        return load_pretrained(ev, parts[-2], ca)  # AutoModelForCausalLMWithValueHead ...
    return _trainer(ev, parts[-1], ca)


def trainer_method(
    ev: Evaluator, trainer: Trainer, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    model = trainer.model
    if len(attrs) == 1:
        if attrs[0] != "save_model":
            return None
        if model is not None:
            save_op(ev, model, ca, m.base_name or trainer.var, ca.get("output_dir", 0))
        return Sc(None, ev.loc(ca.node))
    if attrs[0] == "model" and model is not None:
        return ev.obj_method(model, attrs[1:], ca, m)  # trainer.model.save_pretrained(...)
    return None


def trainer_model(ev: Evaluator, trainer: Trainer, attr: str, node: ast.Attribute) -> Val | None:
    return trainer.model if attr == "model" else None


RECOGNISER = Recogniser(
    name="trainers",
    libs=("trl", "transformers"),
    call=library_call,
    methods=(method(Trainer, trainer_method),),
    attributes=(attribute(Trainer, trainer_model),),
)
