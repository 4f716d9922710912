"""DPL401 tokenizer-mismatch: the tokenizer the engine will use is not the model's."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..facts import ModelDir, ModelRef
from ..findings import Finding
from ..location import Loc
from ..tokenizers import model_vocab_size, special_tokens, tokenizer_vocab
from . import Context, Deployment


@dataclass
class Side:
    label: str
    eos: str | None
    bos: str | None
    vocab: int | None  # ids the tokenizer produces, or the model's embedding rows
    vocab_source: str
    family: str | None


def _knowledge(ref: str):
    """Facts for a hub id: exact knowledge, or a quantized/renamed copy of a known checkpoint."""
    from ..knowledge import models

    info = models.lookup(ref)
    if info is None:
        info = models.guess(ref)
        if info.family is None or (info.eos_token is None and info.vocab_size is None):
            return None
    return info


def _tokenizer_side(mr: ModelRef) -> Side | None:
    md = mr.directory
    if md is not None:
        st = special_tokens(md)
        vi = tokenizer_vocab(md, full=True)
        fam = mr.info.family if mr.info is not None else None
        if not st and vi is None:
            return None
        return Side(
            mr.ref,
            st.get("eos_token"),
            st.get("bos_token"),
            vi.size if vi else None,
            vi.source if vi else "",
            fam,
        )
    info = _knowledge(mr.ref)
    if info is None:
        return None
    return Side(info.id, info.eos_token, info.bos_token, None, "", info.family)


def _model_side(mr: ModelRef) -> Side | None:
    md = mr.directory
    if md is not None:
        st = special_tokens(md)
        fam = mr.info.family if mr.info is not None else None
        v = model_vocab_size(md)
        return Side(
            mr.ref,
            st.get("eos_token"),
            st.get("bos_token"),
            v,
            "config.json vocab_size" if v else "",
            fam,
        )
    info = _knowledge(mr.ref)
    if info is None:
        return None
    return Side(
        info.id,
        info.eos_token,
        info.bos_token,
        info.vocab_size,
        "config.json vocab_size (built-in knowledge)" if info.vocab_size else "",
        info.family,
    )


def _tokenizer_override(ctx: Context, d: Deployment) -> Iterator[Finding]:
    tk, mr = d.tokenizer, d.model
    if tk is None or mr is None or not tk.resolved or not mr.resolved:
        return
    if tk.ref.rstrip("/") == mr.ref.rstrip("/"):
        return
    t, m = _tokenizer_side(tk), _model_side(mr)
    if t is None or m is None:
        return
    diffs: list[str] = []
    if t.eos and m.eos and t.eos != m.eos:
        diffs.append(f"eos token {t.eos!r} vs the model's {m.eos!r}")
    if t.bos and m.bos and t.bos != m.bos:
        diffs.append(f"bos token {t.bos!r} vs the model's {m.bos!r}")
    if t.vocab and m.vocab and t.vocab > m.vocab:
        diffs.append(f"{t.vocab_source}, beyond the model's {m.vocab} embedding rows")
    if t.family and m.family and _group(t.family) != _group(m.family):
        diffs.append(f"tokenizer of the {t.family} family vs a {m.family} model")
    diffs.extend(_added_token_diffs(tk.directory, mr.directory))
    if not diffs:
        return
    ev = d.evidence()
    ev["tokenizer"] = tk.ref
    ev["tokenizer_resolution"] = tk.how
    ev["differences"] = diffs
    msg = (
        f"the tokenizer `{tk.ref}` is not `{mr.ref}`'s tokenizer ({'; '.join(diffs)}): "
        f"{d.phrase} encodes prompts, stops and applies the chat template with it, "
        "so the model receives token ids it was not trained on"
    )
    yield ctx.finding(
        tk.token.loc if tk.token is not None else d.model_loc,
        msg,
        fix="drop the tokenizer option (use the model's own) or point it at the tokenizer "
        f"`{mr.ref}` was trained with",
        evidence=ev,
        anchor=f"--tokenizer {tk.ref}",
    )


def _added_token_diffs(tok_md: ModelDir | None, model_md: ModelDir | None) -> list[str]:
    """Tokens the model's own tokenizer adds (a fine-tune's new special tokens) that the
    replacement tokenizer lacks, or maps to other ids."""
    if tok_md is None or model_md is None:
        return []
    from ..tokenizers import added_token_ids

    mine, theirs = added_token_ids(model_md), added_token_ids(tok_md)
    if not mine or not theirs:
        return []
    missing = sorted(t for t in mine if t not in theirs)
    moved = sorted(t for t in mine if t in theirs and theirs[t] != mine[t])
    out = []
    if missing:
        shown = ", ".join(repr(t) for t in missing[:4]) + (" …" if len(missing) > 4 else "")
        out.append(f"the model's added tokens {shown} are not in it")
    if moved:
        t = moved[0]
        out.append(f"{t!r} is id {theirs[t]} there but {mine[t]} in the model's tokenizer")
    return out


def _group(family: str) -> str:
    f = family.lower()
    for prefix in (
        "qwen",
        "llama-2",
        "llama2",
        "llama3",
        "llama-3",
        "gemma",
        "mistral",
        "phi",
        "deepseek",
        "glm",
        "internlm",
        "yi",
    ):
        if f.startswith(prefix):
            return prefix.replace("-", "")
    return f


def _no_tokenizer(md: ModelDir) -> bool:
    return md.has_config and md.has_full_weights and not md.is_adapter and not md.has_tokenizer


def _served_without_tokenizer(ctx: Context, d: Deployment) -> Iterator[Finding]:
    mr = d.model
    if mr is None or mr.directory is None or d.tokenizer is not None:
        return
    md = mr.directory
    if not _no_tokenizer(md):
        return
    ev = d.evidence()
    ev["files"] = sorted(md.names)
    msg = (
        f"`{mr.ref}` has model weights but no tokenizer files (tokenizer.json, tokenizer.model or "
        f"vocab.json + merges.txt): {d.phrase} loads the tokenizer from the model "
        "directory and fails to start (LLaMA-Factory issue #10169)"
    )
    yield ctx.finding(
        d.model_loc,
        msg,
        fix="save the tokenizer next to the weights (tokenizer.save_pretrained(dir)) "
        "or pass --tokenizer <the base model>",
        evidence=ev,
        anchor=f"no tokenizer {mr.ref}",
    )


def _dir_checks(ctx: Context, served: set[Path]) -> Iterator[Finding]:
    for path, md in sorted(ctx.project.model_dirs.items()):
        if _no_tokenizer(md) and path not in served:
            ev = {"directory": md.path, "files": sorted(md.names)}
            msg = (
                "this model directory has weights but no tokenizer files (tokenizer.json, "
                "tokenizer.model or vocab.json + merges.txt): serving engines load the tokenizer "
                "from the model directory, so loading it fails (LLaMA-Factory issue #10169)"
            )
            yield ctx.finding(
                Loc(md.path),
                msg,
                severity="warning",
                fix="save the tokenizer with the model (tokenizer.save_pretrained(output_dir))",
                evidence=ev,
                anchor="no tokenizer files",
            )
        vocab = model_vocab_size(md)
        vi = tokenizer_vocab(md)
        if vocab and vi and vi.size > vocab:
            doc = md.docs.get("config.json")
            loc = doc.loc("vocab_size") if doc is not None else Loc(md.path)
            ev = {"vocab_size": vocab, "tokenizer_ids": vi.size, "source": vi.source}
            msg = (
                f"config.json vocab_size is {vocab} but the tokenizer produces ids up to "
                f"{vi.size - 1} ({vi.source}): those tokens index past the embedding matrix "
                "(crash or garbage); the embeddings were not resized after adding tokens"
            )
            yield ctx.finding(
                loc,
                msg,
                fix="resize the embeddings (model.resize_token_embeddings("
                "len(tokenizer))) before training/saving, or restore the base "
                "model's tokenizer files",
                evidence=ev,
                anchor="vocab_size",
            )


def _merged_without_tokenizer(ctx: Context) -> Iterator[Finding]:
    """A merged model (``merge_and_unload()`` then ``save_pretrained(dir)``) saved by a script
    that saves no tokenizer to that directory, while code or a launch loads the tokenizer from
    it: the directory the script writes has no tokenizer files."""
    from ..link.lineage import launches_serving, path_ref
    from ..link.py_lineage import consumers

    project = ctx.project
    by_file: dict[Path, list] = {}
    for op in project.peft_ops:
        by_file.setdefault(op.loc.path, []).append(op)
    for path, ops in by_file.items():
        merged = {o.var for o in ops if o.op == "merge" and o.var}
        if not merged:
            continue
        tok_targets = {
            o.target.value
            for o in ops
            if o.op == "save" and o.what in ("tokenizer", "processor") and o.target is not None
        }
        if any(v is None for v in tok_targets):
            continue  # a tokenizer saved somewhere we cannot read: it may be that directory
        for o in ops:
            if o.op != "save" or o.what != "model" or o.var not in merged or o.target is None:
                continue
            target = o.target.value
            if not isinstance(target, str) or target in tok_targets:
                continue
            if o.extra.get("method") not in (None, "save_pretrained"):
                continue  # Unsloth's save_pretrained_merged(dir, tokenizer) saves it
            ref = path_ref(project, target, o.target.loc, path.parent)
            md = None
            for c in sorted(ref.candidates):
                md = project.model_dir(c)
                if md is not None:
                    break
            if md is not None and md.has_tokenizer:
                continue  # the directory in the tree has tokenizer files after all
            users = [u for u in consumers(project, ref) if u.what in ("tokenizer", "processor")]
            launches = [lc for lc in launches_serving(project, ref) if lc.tokenizer is None]
            if not users and not launches:
                continue
            who = (
                f"{users[0].loc.path.name}:{users[0].loc.line} loads the tokenizer from it"
                if users
                else f"{launches[0].context} serves it (and loads the tokenizer from it)"
            )
            ev = {
                "merged_directory": target,
                "tokenizer_loads": [u.loc for u in users],
                "launches": [lc.loc for lc in launches],
            }
            msg = (
                f"`{o.var}.save_pretrained({target!r})` writes the merged model without a "
                f"tokenizer (nothing in {path.name} saves one to `{target}`), and {who}: "
                "there are no tokenizer files there, so loading it fails (OSError \"Can't load "
                'tokenizer"; engines fail at start-up)'
            )
            yield ctx.finding(
                o.loc,
                msg,
                fix=f"save the tokenizer next to the merged weights: "
                f"tokenizer.save_pretrained({target!r})",
                evidence=ev,
                anchor=f"merged without tokenizer {target}",
            )


def check(ctx: Context) -> Iterator[Finding]:
    served: set[Path] = set()
    for launch in ctx.project.launches:
        if launch.model is not None and launch.model.directory is not None:
            served.add(Path(launch.model.directory.path))
    for d in ctx.deployments:
        yield from _tokenizer_override(ctx, d)
        yield from _served_without_tokenizer(ctx, d)
    yield from _dir_checks(ctx, served)
    yield from _merged_without_tokenizer(ctx)
