"""Weights stay local: which model directories a probe may load, and why not.

A model reference resolves to the linked directory or the local Hugging Face cache; nothing is
downloaded unless --allow-download; weights must be safetensors unless --allow-pickle; a
repository's own code (config.json `auto_map`) runs only with --trust-remote-code. Each refusal is
a :class:`Unavailable` whose message becomes the `skipped` reason.
"""

from __future__ import annotations

import json
from pathlib import Path

from .options import VerifyOptions

SAFE = (".safetensors",)
PICKLE = (".bin", ".pt", ".pth", ".ckpt")


class Unavailable(Exception):
    """The model cannot be used under the current policy; str(e) says why."""


def _names(d: Path) -> list[str]:
    try:
        return sorted(p.name for p in d.iterdir())
    except OSError:
        return []


def weight_kind(d: Path) -> str | None:
    """ "safetensors" | "pickle" | None (no weight files)."""
    names = _names(d)
    if any(n.endswith(SAFE) for n in names):
        return "safetensors"
    if any(n.endswith(PICKLE) for n in names):
        return "pickle"
    return None


def remote_code(d: Path) -> bool:
    for name in ("config.json", "tokenizer_config.json", "adapter_config.json"):
        try:
            data = json.loads((d / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("auto_map"):
            return True
    return False


def check_model_dir(d: Path | None, ref: str | None, opts: VerifyOptions, *, weights=True) -> str:
    """The path (or hub id, with --allow-download) to load; raises Unavailable."""
    if d is None:
        if ref and opts.allow_download and not ref.startswith((".", "/", "~")):
            return ref
        what = f"`{ref}`" if ref else "the model"
        raise Unavailable(
            f"{what} is not available locally (no linked directory, not in the local Hugging "
            "Face cache); pass --allow-download to fetch it"
        )
    if not d.is_dir():
        raise Unavailable(f"{d} is not a directory on this machine")
    if weights:
        kind = weight_kind(d)
        if kind is None:
            raise Unavailable(f"{d.name}: no model weights in the directory")
        if kind == "pickle" and not opts.allow_pickle:
            raise Unavailable(
                f"{d.name}: only pickle weights (pytorch_model.bin / *.pt); pass --allow-pickle "
                "to load them"
            )
    if remote_code(d) and not opts.trust_remote_code:
        raise Unavailable(
            f"{d.name}: the model needs its repository's own code (auto_map); pass "
            "--trust-remote-code to run it"
        )
    return str(d)


def check_tokenizer_dir(d: Path | None, ref: str | None, opts: VerifyOptions) -> str:
    return check_model_dir(d, ref, opts, weights=False)
