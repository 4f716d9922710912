"""What a model directory says about its tokenizer: special tokens, added-token ids, vocabulary
size. tokenizer.json is parsed only when a caller asks for the full vocabulary size."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .facts import ModelDir
from .location import read_bytes

MAX_TOKENIZER_JSON = 64 * 1024 * 1024


def token_text(value: Any) -> str | None:
    """A special token from tokenizer_config.json (a string or an AddedToken dict)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("content"), str):
        return value["content"]
    return None


def special_tokens(md: ModelDir) -> dict[str, str]:
    out: dict[str, str] = {}
    for src in ("special_tokens_map.json", "tokenizer_config.json"):
        data = md.json(src)
        for key in ("bos_token", "eos_token", "unk_token", "pad_token"):
            t = token_text(data.get(key))
            if t is not None:
                out[key] = t  # tokenizer_config.json wins (read last)
    return out


def added_token_ids(md: ModelDir) -> dict[str, int]:
    out: dict[str, int] = {}
    dec = md.json("tokenizer_config.json").get("added_tokens_decoder")
    if isinstance(dec, dict):
        for k, v in dec.items():
            t = token_text(v)
            try:
                i = int(k)
            except (TypeError, ValueError):
                continue
            if t is not None:
                out[t] = i
    added = md.json("added_tokens.json")
    if isinstance(added, dict):
        for t, i in added.items():
            if isinstance(i, int):
                out.setdefault(t, i)
    return out


@dataclass
class VocabInfo:
    size: int  # number of token ids the tokenizer can produce (max id + 1)
    source: str


def tokenizer_vocab(md: ModelDir, *, full: bool = False) -> VocabInfo | None:
    """The largest id the tokenizer produces + 1. Cheap (added tokens) unless ``full``."""
    added = added_token_ids(md)
    best: VocabInfo | None = None
    if added:
        top = max(added.values())
        name = next(t for t, i in added.items() if i == top)
        best = VocabInfo(top + 1, f"added token {name!r} has id {top}")
    if full and "tokenizer.json" in md.names:
        p = md.path / "tokenizer.json"
        try:
            if p.stat().st_size <= MAX_TOKENIZER_JSON:
                # bounded, non-blocking, and not outside the scanned tree (location.read_bytes)
                data = json.loads(read_bytes(p, MAX_TOKENIZER_JSON))
                if not isinstance(data, dict):
                    return best
                model = data.get("model")
                vocab = model.get("vocab") if isinstance(model, dict) else None
                n = len(vocab) if isinstance(vocab, (dict, list)) else 0
                added_tokens = data.get("added_tokens")
                for t in added_tokens if isinstance(added_tokens, list) else []:
                    if isinstance(t, dict) and isinstance(t.get("id"), int):
                        n = max(n, t["id"] + 1)
                if n and (best is None or n > best.size):
                    best = VocabInfo(n, f"tokenizer.json has {n} token ids")
        except (OSError, ValueError, RecursionError):
            pass
    return best


def model_vocab_size(md: ModelDir) -> int | None:
    cfg = md.json("config.json")
    v = cfg.get("vocab_size")
    if isinstance(v, int):
        return v
    text_cfg = cfg.get("text_config")
    if isinstance(text_cfg, dict) and isinstance(text_cfg.get("vocab_size"), int):
        return text_cfg["vocab_size"]
    return None
