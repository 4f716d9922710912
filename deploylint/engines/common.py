"""Answers several engines give the same way (they read the same Hugging Face files)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import RemoteCode, StopSet

if TYPE_CHECKING:
    from ..facts import Launch, ModelDir

# Token ids whose text is fixed across the families deploylint knows (Qwen2/2.5/3 and Llama-3
# tokenizers: tokenizer_config.json added_tokens_decoder of Qwen/Qwen2.5-7B-Instruct and
# meta-llama/Llama-3.1-8B-Instruct).
KNOWN_IDS = {
    151643: "<|endoftext|>",
    151645: "<|im_end|>",
    128001: "<|end_of_text|>",
    128008: "<|eom_id|>",
    128009: "<|eot_id|>",
}


def version_phrase(launch: Launch) -> str:
    """'vLLM 0.6.0' or 'vLLM (version not pinned; 0.33.0, the newest known, assumed)'."""
    from . import DISPLAY_NAMES

    name = DISPLAY_NAMES.get(launch.engine, launch.engine)
    v = launch.version
    if v is None or v.version is None:
        return f"{name} (version unknown; newest known behaviour assumed)"
    if v.pinned:
        return f"{name} {v.version}"
    return f"{name} (version not pinned; {v.version}, the newest known, assumed)"


def _id_to_text(md: ModelDir) -> dict[int, str]:
    from ..tokenizers import added_token_ids

    out = dict(KNOWN_IDS)
    for t, i in added_token_ids(md).items():
        out[i] = t
    return out


def hf_stop_set(md: ModelDir, gc_md: ModelDir | None = None) -> StopSet:
    """What an engine built on Hugging Face files stops on: the tokenizer's eos_token and every
    id in generation_config.json `eos_token_id` (read from ``gc_md`` when the engine is told to
    read the generation config elsewhere)."""
    from ..tokenizers import special_tokens

    stops: set[str] = set()
    why: list[str] = []
    eos = special_tokens(md).get("eos_token")
    if eos:
        stops.add(eos)
        why.append(f"tokenizer eos_token {eos!r}")
    src = gc_md if gc_md is not None and "generation_config.json" in gc_md.docs else md
    gc = src.json("generation_config.json")
    ids = gc.get("eos_token_id")
    id_list = ids if isinstance(ids, list) else ([ids] if isinstance(ids, int) else [])
    names = _id_to_text(md)
    where = "generation_config.json" if src is md else f"{src.path.name}/generation_config.json"
    for i in id_list:
        if isinstance(i, int) and not isinstance(i, bool):
            t = names.get(i)
            stops.add(t or f"<id {i}>")
            why.append(f"{where} eos_token_id {i}" + (f" ({t})" if t else ""))
    return StopSet(frozenset(stops), tuple(why))


def flag_remote_code(launch: Launch, dest: str, flag: str) -> RemoteCode:
    """``trust_remote_code`` from a boolean flag (off unless given)."""
    occ = launch.args.last(dest)
    on = launch.args.flag(dest)
    if on:
        where = occ.loc if occ is not None else None
        return RemoteCode(True, f"{flag} on the command line", where)
    return RemoteCode(False, f"{flag} not given (off by default)")


def launch_value(launch: Launch, *dests: str) -> Any:
    for d in dests:
        v = launch.args.value(d)
        if v is not None:
            return v
    return None
