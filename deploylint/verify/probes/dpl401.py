"""DPL401 tokenizer-mismatch: run both tokenizers on probe strings (no model needed) — confirmed
when they give different ids or special tokens; a model directory without tokenizer files is
confirmed when loading its tokenizer fails; added tokens beyond vocab_size when the tokenizer
really produces ids past the embedding matrix."""

from __future__ import annotations

from pathlib import Path

from . import CONFIRMED, NOT_CONFIRMED, Skip, Verdict
from .common import first_differing_token

PROBE_STRINGS = [
    "What is the capital of France?",
    "The capital of France is Paris.",
    "def add(a, b):\n    return a + b\n",
    "naïve café, 42 × 7 = 294",
]


def decide(a: list[list[int]], b: list[list[int]], specials_a: dict, specials_b: dict):
    diffs = []
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        j = first_differing_token(x, y)
        if j is not None:
            diffs.append({"string": i, "first_differing_token": j})
    sd = {
        k: (specials_a.get(k), specials_b.get(k))
        for k in ("eos", "bos")
        if specials_a.get(k) != specials_b.get(k)
    }
    if diffs or sd:
        parts = []
        if diffs:
            parts.append(f"{len(diffs)} of {len(a)} probe strings encode to different ids")
        for k, (mine, theirs) in sd.items():
            parts.append(f"{k} {mine} vs {theirs}")
        return CONFIRMED, "; ".join(parts), diffs
    return NOT_CONFIRMED, "both tokenizers give the same ids and special tokens", diffs


def _specials(tok) -> dict:
    return {
        "eos": (tok.eos_token, tok.eos_token_id),
        "bos": (tok.bos_token, tok.bos_token_id),
    }


def _override(subject, ctx):
    be = ctx.backend
    launch = subject.launch
    tk_dir = launch.tokenizer.directory if launch and launch.tokenizer else None
    md = launch.model.directory if launch and launch.model else None
    ta = be.tokenizer(Path(tk_dir.path) if tk_dir else None, launch.tokenizer.ref)
    tb = be.tokenizer(Path(md.path) if md else None, launch.model.ref)
    ea = [be.encode(ta, s) for s in PROBE_STRINGS]
    eb = [be.encode(tb, s) for s in PROBE_STRINGS]
    sa, sb = _specials(ta), _specials(tb)
    status, reason, diffs = decide(ea, eb, sa, sb)
    ev = {
        "strings": PROBE_STRINGS,
        "ids_tokenizer": ea,
        "ids_model_tokenizer": eb,
        "special_tokens": {"tokenizer": sa, "model_tokenizer": sb},
        "differences": diffs,
    }
    return Verdict(status, reason, ev)


def _loads(subject, ctx, d: Path):
    be = ctx.backend
    error = None
    try:
        be.tokenizer(d, None)
    except Exception as e:  # noqa: BLE001 - the failure is the evidence
        error = (
            f"{type(e).__name__}: {str(e).strip().splitlines()[0][:300] if str(e).strip() else ''}"
        )
    if error is not None:
        return Verdict(CONFIRMED, f"loading the tokenizer fails: {error}", {"directory": d})
    return Verdict(NOT_CONFIRMED, "the tokenizer loads from the directory", {"directory": d})


def decide_vocab(max_id: int, vocab_size: int) -> tuple[str, str]:
    if max_id >= vocab_size:
        return (
            CONFIRMED,
            f"the tokenizer produces id {max_id}, past the {vocab_size} embedding rows",
        )
    return NOT_CONFIRMED, f"the tokenizer's ids stay below {vocab_size}"


def _vocab(subject, ctx):
    d = Path(subject.finding.loc.path).parent
    be = ctx.backend
    tok = be.tokenizer(d, None)
    vocab = subject.evidence.get("vocab_size")
    if not isinstance(vocab, int):
        raise Skip("no vocab_size in the finding")
    added = sorted(tok.get_added_vocab().items(), key=lambda kv: kv[1])
    max_id = max([len(tok) - 1] + [i for _, i in added])
    status, reason = decide_vocab(max_id, vocab)
    past = [t for t, i in added if i >= vocab][:10]
    return Verdict(
        status, reason, {"vocab_size": vocab, "max_id": max_id, "tokens_past_vocab": past}
    )


def run(subject, ctx):
    ev = subject.evidence
    if "tokenizer" in ev and subject.launch is not None:
        return _override(subject, ctx)
    if "vocab_size" in ev:
        return _vocab(subject, ctx)
    if "files" in ev:
        d = ev.get("directory")
        if d is None and subject.model_dir is not None:
            d = subject.model_dir
        if d is None:
            raise Skip("the model directory is not known")
        return _loads(subject, ctx, Path(d))
    raise Skip("no probe for this form")
