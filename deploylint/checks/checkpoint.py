"""What a model's own files (or, without them, built-in knowledge) say about the checkpoint:
custom code (`auto_map`), the dtype it was saved in, its architecture and its positions. Shared
by the security and context rules (DPL601, DPL502, DPL503)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..facts import Launch, ModelDir, ModelRef
from ..location import Loc

#: The model's JSON files that can name custom code (`auto_map`).
CODE_FILES = (
    "config.json",
    "tokenizer_config.json",
    "processor_config.json",
    "preprocessor_config.json",
    "feature_extractor_config.json",
)

#: config.json keys a context length is derived from, in vLLM's order
#: (vllm/config/model.py _get_and_verify_max_len possible_keys).
POSITION_KEYS = (
    "max_position_embeddings",
    "n_positions",
    "max_seq_len",
    "seq_length",
    "max_target_positions",
    "max_sequence_length",
    "max_seq_length",
    "seq_len",
)


@dataclass
class Known:
    """A fact about the checkpoint with where it comes from."""

    value: Any
    source: str
    loc: Loc | None = None
    heuristic: bool = False  # judged from the name (a family fact), not from its files or id
    extra: dict[str, Any] = field(default_factory=dict)


def _knowledge(mr: ModelRef):
    from ..knowledge import models

    info = models.lookup(mr.ref)
    if info is not None:
        return info, False
    return models.guess(mr.ref), True


def _text_config(md: ModelDir) -> dict[str, Any]:
    cfg = md.json("config.json")
    for key in ("text_config", "llm_config", "language_config"):
        sub = cfg.get(key)
        if isinstance(sub, dict):
            return sub
    return cfg


def _loc(md: ModelDir, name: str, key: str) -> Loc | None:
    doc = md.doc(name)
    try:
        return doc.loc(key) if doc is not None else None
    except Exception:  # noqa: BLE001 - a location is a nicety
        return None


# -- remote code -------------------------------------------------------------------------------


def auto_map_refs(md: ModelDir) -> list[tuple[str, str, str]]:
    """(file, class, reference) of every `auto_map` entry in the model's JSON files."""
    out = []
    for name in CODE_FILES:
        am = md.json(name).get("auto_map")
        if not isinstance(am, dict):
            continue
        for cls, ref in am.items():
            refs = ref if isinstance(ref, list) else [ref]
            for r in refs:
                if isinstance(r, str) and r:
                    out.append((name, str(cls), r))
    return out


def foreign_code(refs: list[tuple[str, str, str]]) -> list[str]:
    """`auto_map` references into another repository (`owner/repo--module.Class`)."""
    return sorted({r.split("--", 1)[0] for _f, _c, r in refs if "--" in r})


def origin_of(project: Any, launch: Launch, mr: ModelRef) -> tuple[str, str] | None:
    """(a name that says which model this is, how that is known) for a model whose files are not
    in the repository: the base model of the fine-tune the repository merged into it (a
    LLaMA-Factory export, a PEFT `merge_and_unload` + `save_pretrained`), or the host directory a
    volume mounts at its path."""
    if project is None or not mr.resolved:
        return None
    from ..link.lineage import path_ref, python_saves, same_dir

    got = project.training_for(launch)
    if got is not None:
        run, how = got
        base = run.get("model_name_or_path")
        if isinstance(base, str) and base:
            return base, f"fine-tuned from `{base}` ({how})"
    served = path_ref(project, mr.ref, launch.loc, launch.base_dir, launch)
    for op in python_saves(project):
        if op.what != "model" or op.target is None or op.model is None:
            continue
        if not isinstance(op.target.value, str) or not isinstance(op.model.value, str):
            continue
        saved = path_ref(project, op.target.value, op.target.loc, op.loc.path.parent)
        if served.leaf == saved.leaf and same_dir(served, saved):
            return op.model.value, (
                f"saved from `{op.model.value}` at {op.loc.path.name}:{op.loc.line}"
            )
    for vol in launch.volumes:
        target = vol.target.rstrip("/")
        if target and (mr.ref == target or mr.ref.startswith(target + "/")):
            rest = mr.ref[len(target) :].strip("/")
            host = vol.source.rstrip("/") + ("/" + rest if rest else "")
            return host, f"the host directory `{host}` mounted at `{vol.target}`"
    return None


def needs_remote_code(mr: ModelRef, project: Any = None, launch: Any = None) -> Known | None:
    """Whether the checkpoint ships code of its own: value True/False with the evidence, or None
    when nothing says."""
    md = mr.directory
    if md is not None and md.has_config:
        refs = auto_map_refs(md)
        if refs:
            return Known(
                True,
                "`auto_map` in " + ", ".join(sorted({f for f, _c, _r in refs})),
                extra={"auto_map": refs, "foreign": foreign_code(refs)},
            )
        arch = md.json("config.json").get("architectures")
        arch_s = ", ".join(a for a in arch if isinstance(a, str)) if isinstance(arch, list) else ""
        what = f"{arch_s} " if arch_s else ""
        return Known(
            False,
            f"{what}with no `auto_map` in config.json or the tokenizer's files ({md.path.name}/)",
            extra={"citation": "the model's own files"},
        )
    if not mr.resolved or md is not None:
        return None
    names = [(mr.ref, "")]
    origin = origin_of(project, launch, mr) if launch is not None else None
    if origin is not None:
        names.append(origin)
    from ..knowledge import models

    for name, how in names:
        info, guessed = _knowledge(ModelRef(name, None))
        via = f" ({how})" if how else ""
        if (
            info.states("trust_remote_code_required")
            and info.trust_remote_code_required is not None
        ):
            who = (
                f"the {info.family} family, matched by name" if guessed and info.family else info.id
            )
            return Known(
                info.trust_remote_code_required,
                f"built-in knowledge of {who}{via}",
                heuristic=guessed or bool(how),
                extra={"citation": info.sources.get("trust_remote_code_required", "")},
            )
        fam = models.family_fact(info.family, "trust_remote_code_required", info.kind)
        if fam is not None and isinstance(fam[0], bool):
            return Known(
                fam[0],
                f"built-in knowledge of the {info.family} family{via}",
                heuristic=True,
                extra={"citation": fam[1]},
            )
    return None


# -- dtype -------------------------------------------------------------------------------------


def saved_dtype(mr: ModelRef) -> Known | None:
    """The dtype the checkpoint's weights are saved in (config.json `torch_dtype`/`dtype`)."""
    md = mr.directory
    if md is not None and md.has_config:
        for holder, where in ((md.json("config.json"), ""), (_text_config(md), "text_config.")):
            for key in ("torch_dtype", "dtype"):
                v = holder.get(key)
                if isinstance(v, str) and v:
                    return Known(
                        v.replace("torch.", ""),
                        f"config.json `{where}{key}: {v}`",
                        _loc(md, "config.json", key),
                    )
        return None
    if not mr.resolved or md is not None:
        return None
    info, guessed = _knowledge(mr)
    if info.torch_dtype and info.states("torch_dtype"):
        return Known(
            info.torch_dtype, f"{info.id}: {info.sources.get('torch_dtype', '')}", heuristic=guessed
        )
    return None


def model_type(mr: ModelRef) -> Known | None:
    md = mr.directory
    if md is not None and md.has_config:
        cfg = md.json("config.json")
        types = [cfg.get("model_type"), _text_config(md).get("model_type")]
        types = [t for t in types if isinstance(t, str) and t]
        if types:
            return Known(
                tuple(dict.fromkeys(types)),
                "config.json `model_type`",
                _loc(md, "config.json", "model_type"),
            )
        return None
    if not mr.resolved or md is not None:
        return None
    info, guessed = _knowledge(mr)
    mt = getattr(info, "model_type", None)
    if isinstance(mt, str) and mt:
        return Known((mt,), f"{info.id}: {info.sources.get('model_type', '')}", heuristic=guessed)
    return None


def quantized(mr: ModelRef) -> str | None:
    """The quantisation method the checkpoint is saved with (fp16 kernels: a float16 is right)."""
    md = mr.directory
    if md is not None and md.has_config:
        q = md.json("config.json").get("quantization_config")
        if isinstance(q, dict):
            m = q.get("quant_method")
            return str(m) if m else "quantized"
        return None
    import re

    m = re.search(
        r"(?:^|[-_.])(awq|gptq|int4|int8|w4a16|w8a16|bnb|4bit|8bit|gguf|exl2|marlin|fp8)"
        r"(?:$|[-_.])",
        mr.ref.rsplit("/", 1)[-1].lower(),
    )
    return m.group(1) if m else None


# -- positions ---------------------------------------------------------------------------------


def positions(mr: ModelRef) -> Known | None:
    """The positions the model was trained for: value (int), with `extra` rope_scaling (dict or
    None) and the key it came from."""
    md = mr.directory
    if md is not None and md.has_config:
        cfg = _text_config(md)
        for key in POSITION_KEYS:
            v = cfg.get(key)
            if isinstance(v, int) and not isinstance(v, bool) and v > 0:
                rope = cfg.get("rope_scaling")
                if not isinstance(rope, dict):
                    rope = (
                        cfg.get("rope_parameters")
                        if isinstance(cfg.get("rope_parameters"), dict)
                        else None
                    )
                return Known(
                    v,
                    f"config.json `{key}: {v}`",
                    _loc(md, "config.json", key),
                    extra={"rope_scaling": rope, "key": key},
                )
        return None
    if not mr.resolved or md is not None:
        return None
    info, guessed = _knowledge(mr)
    if info.max_position_embeddings and info.states("max_position_embeddings") and not guessed:
        src = info.sources.get("max_position_embeddings", "")
        return Known(
            info.max_position_embeddings,
            f"{info.id}: {src}",
            extra={"rope_scaling": None, "key": "max_position_embeddings"},
        )
    return None


def rope_type(rope: Mapping[str, Any] | None) -> str | None:
    if not isinstance(rope, dict):
        return None
    t = rope.get("rope_type") or rope.get("type")
    return str(t).lower() if t else None


def rope_factor(rope: Mapping[str, Any] | None) -> float | None:
    if not isinstance(rope, dict):
        return None
    f = rope.get("factor")
    if isinstance(f, (int, float)) and not isinstance(f, bool) and f > 0:
        return float(f)
    return None


def derived_length(pos: int, rope: Mapping[str, Any] | None) -> tuple[int, str]:
    """The context length the positions allow with a RoPE scaling, as vLLM derives it
    (vllm/config/model.py _get_and_verify_max_len): YaRN scales
    `original_max_position_embeddings` by its factor; types that already fold the scaling into
    max_position_embeddings (llama3, longrope, su, default, mrope) do not multiply."""
    t = rope_type(rope)
    f = rope_factor(rope)
    if rope is None or t is None or f is None:
        return pos, f"{pos} positions"
    if t in ("llama3", "longrope", "su", "default", "mrope"):
        return pos, f"{pos} positions (RoPE type {t} is already counted in them)"
    base = pos
    if t == "yarn":
        orig = rope.get("original_max_position_embeddings")
        if isinstance(orig, int) and orig > 0:
            base = orig
    total = int(base * f)
    return total, f"{base} × RoPE {t} factor {f:g} = {total}"
