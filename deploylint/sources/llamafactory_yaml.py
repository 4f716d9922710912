"""LLaMA-Factory YAML configs (train / merge-export / inference / predict).

Keys are LLaMA-Factory's hparams (src/llamafactory/hparams/*_args.py).
The role follows from the keys: `export_dir` → export, `do_predict` → predict,
`stage`/`do_train`/`dataset` → train, else `infer_backend`/`template` with a model → inference.
The experimental v1 format (`model:` + `peft_config:`) is read as a train run.
"""

from __future__ import annotations

from yaml.nodes import Node

from .. import yamlutil as Y
from ..facts import TrainingRun, Value
from ..location import Loc, SourceFile
from . import FileFacts

MODEL_KEYS = {"model_name_or_path"}
LF_KEYS = {
    "template",
    "stage",
    "finetuning_type",
    "adapter_name_or_path",
    "export_dir",
    "infer_backend",
    "lora_rank",
    "lora_target",
    "cutoff_len",
    "dataset",
    "do_train",
    "do_predict",
    "quantization_bit",
    "default_system",
}


# Keys of other fine-tuning tools' YAML configs that LLaMA-Factory has no argument for (it parses
# a config with HfArgumentParser.parse_dict and rejects unknown keys unless ALLOW_EXTRA_ARGS is
# set: src/llamafactory/hparams/parser.py): a file holding one is not a LLaMA-Factory config.
FOREIGN_KEYS = {
    "action",  # task launchers (`action: train` / `derive`)
    "fine_tuning",
    "train_dataset_names",
    "eval_dataset_names",
    "derive_method",
    "derive_dir",
    "train_type",  # ms-swift
    "sft_type",  # ms-swift (older)
    "base_model",  # axolotl
    "datasets",  # axolotl
    "lora_r",  # axolotl
    "sequence_len",  # axolotl
    "micro_batch_size",  # axolotl
}


def is_llamafactory(root: Node) -> bool:
    if not Y.is_map(root):
        return False
    keys = {k for k, _, _ in Y.items(root)}
    if keys & FOREIGN_KEYS:
        return False
    if "model_name_or_path" in keys and keys & LF_KEYS:
        return True
    return "model" in keys and ("peft_config" in keys or "train_dataset" in keys)


def _role(keys: set[str], root: Node) -> str:
    if "export_dir" in keys:
        return "export"
    if Y.to_py(Y.get(root, "do_predict")) is True:
        return "predict"
    if keys & {"stage", "do_train", "dataset", "train_dataset", "peft_config"}:
        return "train"
    return "infer"


def training_run(sf: SourceFile, root: Node) -> TrainingRun:
    keys = {k for k, _, _ in Y.items(root)}
    run = TrainingRun("llamafactory", _role(keys, root), Loc(sf.path, 1, 1, 1, 2))
    for key, key_node, val in Y.items(root):
        try:
            py = Y.to_py(val, 5_000)
        except Y.TooComplex:
            continue
        loc = Y.loc(sf.path, val if Y.is_scalar(val) else key_node)
        run.keys[key] = Value(py, loc)
    if "model" in run.keys and "model_name_or_path" not in run.keys:
        run.keys["model_name_or_path"] = run.keys["model"]  # v1 format
        peft = run.get("peft_config")
        if isinstance(peft, dict):
            if peft.get("r") is not None:
                run.keys["lora_rank"] = Value(peft.get("r"), run.keys["peft_config"].loc)
            run.keys.setdefault(
                "finetuning_type", Value(peft.get("name"), run.keys["peft_config"].loc)
            )
    return run


def parse(sf: SourceFile, root: Node, facts: FileFacts) -> None:
    facts.trainings.append(training_run(sf, root))
