"""Is a model a base (pretrained) model or a chat/instruct one? Combines built-in knowledge, the
name, and what its directory says (generation_config.json, eos ids, chat template, adapter base).

Signals and their reliability: each is documented where it is read, with the file it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .facts import ModelDir, ModelRef

# End-of-turn token ids that only chat models list as eos.
CHAT_EOS_IDS = {
    151645: "<|im_end|>",
    128009: "<|eot_id|>",
    107: "<end_of_turn>",
    128008: "<|eom_id|>",
}
DOC_EOS_IDS = {151643: "<|endoftext|>", 128001: "<|end_of_text|>"}

_FINETUNE = re.compile(
    r"(?:^|[-_.])(?:sft|dpo|orpo|kto|ppo|rlhf|lora|qlora|ft|finetuned?|fine-tuned?|merged?|"
    r"checkpoint|ckpt|export|output|distill)(?:$|[-_.\d])",
    re.I,
)


@dataclass
class Assessment:
    kind: str | None  # "base" | "instruct" | "hybrid" | "reasoning" | None (unknown)
    confidence: str  # "known" | "likely" | "heuristic" | "none"
    reasons: list[str] = field(default_factory=list)
    family: str | None = None
    name: str = ""

    @property
    def is_base(self) -> bool:
        return self.kind == "base"

    def describe(self) -> str:
        return "; ".join(self.reasons)


def _guess(name: str):
    from .knowledge import models

    return models.guess(name)


def _lookup(name: str):
    from .knowledge import models

    return models.lookup(name)


def dir_signals(md: ModelDir) -> tuple[list[str], list[str]]:
    """(base signals, chat signals) from a model directory's files."""
    base: list[str] = []
    chat: list[str] = []
    gc = md.json("generation_config.json")
    if gc:
        eos = gc.get("eos_token_id")
        eos_ids = set(eos) if isinstance(eos, list) else ({eos} if isinstance(eos, int) else set())
        turn = sorted(i for i in eos_ids if i in CHAT_EOS_IDS)
        if turn:
            chat.append(
                "generation_config.json eos_token_id includes the end-of-turn token "
                + ", ".join(f"{CHAT_EOS_IDS[i]} ({i})" for i in turn)
            )
        elif eos_ids and eos_ids <= set(DOC_EOS_IDS):
            base.append(
                "generation_config.json eos_token_id is only the end-of-document token "
                + ", ".join(f"{DOC_EOS_IDS[i]} ({i})" for i in sorted(eos_ids))
            )
        # do_sample with sampling fields is NOT a chat signal: base checkpoints ship them too
        # (meta-llama/Llama-3.1-8B generation_config.json: do_sample true, temperature 0.6,
        # top_p 0.9), and a base model saved with a low temperature is DPL202's own case.
    tc = md.json("tokenizer_config.json")
    has_template = (
        bool(tc.get("chat_template"))
        or md.chat_template_jinja is not None
        or ("chat_template.json" in md.names)
    )
    if tc and not has_template and "tokenizer_config.json" in md.names:
        base.append("no chat template (tokenizer_config.json has none, no chat_template file)")
    return base, chat


def assess(ref: ModelRef) -> Assessment:
    md = ref.directory
    names: list[str] = []
    if ref.ref:
        names.append(ref.ref.rstrip("/"))
    if md is not None:
        cfg = md.json("config.json")
        nop = cfg.get("_name_or_path")
        if isinstance(nop, str) and nop and nop not in names:
            names.append(nop)
        if md.is_adapter:
            base_name = md.json("adapter_config.json").get("base_model_name_or_path")
            if isinstance(base_name, str) and base_name:
                return Assessment(
                    None,
                    "none",
                    [f"LoRA/PEFT adapter trained on {base_name}"],
                    _guess(base_name).family,
                    ref.ref,
                )
    # 1. Built-in knowledge of the exact id.
    for n in names:
        info = _lookup(n)
        if info is not None and info.kind:
            same = n.rstrip("/").lower().removeprefix("hf://") == info.id.lower()
            reason = info.reason if same else f"{n} is {info.id}: {info.reason}"
            a = Assessment(info.kind, "known", [reason], info.family, n)
            if md is not None:
                base_sig, chat_sig = dir_signals(md)
                if info.kind == "base" and chat_sig:
                    # A local copy whose files say it was post-trained: trust the files.
                    return Assessment(
                        None, "none", [f"named like {info.id} but " + chat_sig[0]], info.family, n
                    )
                a.reasons.extend(base_sig if info.kind == "base" else chat_sig)
            return a
    # 2. The name, then the directory's own files.
    leaf = names[0].rsplit("/", 1)[-1] if names else ""
    guess = _guess(names[0]) if names else None
    finetune = bool(_FINETUNE.search(leaf))
    base_sig, chat_sig = dir_signals(md) if md is not None else ([], [])
    family = guess.family if guess else None
    if guess is not None and guess.kind and not finetune:
        if guess.kind == "base" and chat_sig:
            return Assessment(
                None, "none", [f"name suggests a base model but {chat_sig[0]}"], family, names[0]
            )
        conf = "likely" if (guess.kind == "base" and base_sig) else "heuristic"
        return Assessment(guess.kind, conf, [guess.reason, *base_sig, *chat_sig], family, names[0])
    if chat_sig:
        return Assessment("instruct", "heuristic", chat_sig, family, names[0] if names else "")
    if len(base_sig) >= 2 and not finetune:
        # Both file signals agree (end-of-document eos only, no chat template) and the name does
        # not mark a fine-tune: a pretrained checkpoint as published.
        return Assessment(
            "base",
            "likely",
            ["judged from its files: " + base_sig[0], *base_sig[1:]],
            family,
            names[0] if names else "",
        )
    return Assessment(
        None,
        "none",
        ["fine-tuned or unrecognised model; kind unknown"] if names else [],
        family,
        names[0] if names else "",
    )


def has_chat_template(ref: ModelRef) -> bool | None:
    """Does the model ship a chat template (None: unknown)?"""
    md = ref.directory
    if md is not None:
        tc = md.json("tokenizer_config.json")
        if tc.get("chat_template") or md.chat_template_jinja is not None:
            return True
        if "chat_template.json" in md.names or "chat_template.jinja" in md.names:
            return True
        return False if "tokenizer_config.json" in md.docs else None
    info = _lookup(ref.ref)
    if info is not None and info.has_chat_template is not None:
        return bool(info.has_chat_template)
    return None
