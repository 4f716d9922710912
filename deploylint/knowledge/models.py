"""Built-in facts about popular model checkpoints, and name heuristics for everything else.

When a launch script serves a model by hub id (``vllm serve Qwen/Qwen2.5-14B``) and the model
directory is not in the scanned tree, rules fall back to these facts. The data lives in
``models.yaml`` next to this module (one section per family, every fact with its source); this
module only loads it (lazily, once) and answers questions about names.

* :func:`lookup` - exact id (case-insensitive, aliases, ``hf://`` prefixes, ModelScope ``___``).
* :func:`guess` - :func:`lookup` first, then name heuristics; always returns a :class:`ModelInfo`.
* :func:`family_of` / :func:`parameter_size` - the two name parsers on their own.

A fact that is ``None`` in a :class:`ModelInfo` is either unknown or known to be "none"; use
:meth:`ModelInfo.states` to tell the two apart and :meth:`ModelInfo.is_confirmed` to skip facts
whose citation says ``UNCONFIRMED``. ``default_system`` may contain the placeholder
``{date_string}`` (Llama 3.1+ templates always emit a dated system header).

Only the standard library and ``yaml`` are used; ``yaml`` is imported on first use.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

__all__ = [
    "FACTS",
    "KINDS",
    "ModelInfo",
    "family_chat_format",
    "family_display",
    "family_fact",
    "family_names",
    "family_of",
    "is_ollama_library_name",
    "guess",
    "known_models",
    "lookup",
    "parameter_size",
]

#: Fact names a data layer may state (``kind``/``size`` only at model level).
FACTS: tuple[str, ...] = (
    "kind",
    "size",
    "modality",
    "eos_token",
    "eos_token_ids",
    "bos_token",
    "end_of_turn",
    "default_system",
    "system_role",
    "has_chat_template",
    "max_position_embeddings",
    "torch_dtype",
    "vocab_size",
    "generation_defaults",
    "trust_remote_code_required",
    "architecture",
    "model_type",
    "adds_bos_token",
    "template_bos",
    "thinking",
    "reasoning_format",
    "sampling_advice",
    "chat_format",
)
#: Values of :attr:`ModelInfo.thinking`.
THINKING: tuple[str, ...] = ("always", "default-on")
#: Values of :attr:`ModelInfo.kind`.
KINDS: tuple[str, ...] = ("base", "instruct", "hybrid", "reasoning")

_DATA_FILE = "models.yaml"
_LAYER_FACTS = frozenset(FACTS) - {"kind", "size"}
_MODEL_KEYS = frozenset(FACTS) | {"id", "aliases", "sources", "note"}
_FAMILY_KEYS = frozenset(
    {"display", "patterns", "neutral_tokens", "bare_kind", "facts", "kinds", "sources", "models"}
)
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class ModelInfo:
    """What deploylint knows or guesses about one model id or path."""

    id: str  # canonical id as written in the data, or the cleaned input for a heuristic guess
    family: str | None  # e.g. "qwen2.5"
    kind: str | None  # "base" | "instruct" | "hybrid" | "reasoning" | None (unknown)
    confidence: str  # "known" (from the data file) | "heuristic" (from the name only)
    reason: str  # one sentence: why this classification
    size: str | None = None
    modality: str | None = None
    eos_token: str | None = None
    eos_token_ids: tuple[int, ...] = ()
    bos_token: str | None = None
    end_of_turn: str | None = None
    default_system: str | None = None
    system_role: bool | None = None
    has_chat_template: bool | None = None
    max_position_embeddings: int | None = None
    torch_dtype: str | None = None
    vocab_size: int | None = None
    generation_defaults: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    trust_remote_code_required: bool | None = None
    architecture: str | None = None  # config.json architectures[0]
    model_type: str | None = None  # config.json model_type
    adds_bos_token: bool | None = None  # the tokenizer prepends bos_token to encoded text
    template_bos: bool | None = None  # the chat template writes bos_token itself
    # reasoning models (issue 13): "always" (thinks on every turn) | "default-on" (a hybrid whose
    # template thinks unless told not to); how thoughts are written ("think-tags": <think>…</think>,
    # "harmony": gpt-oss channels); the authors' sampling advice against greedy decoding
    thinking: str | None = None
    reasoning_format: str | None = None
    sampling_advice: str | None = None
    chat_format: str | None = None  # a key of chat_formats.yaml (knowledge/formats.py)
    sources: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    def states(self, fact: str) -> bool:
        """True when the data states ``fact`` (even as ``None``/empty), False when it is unknown."""
        return fact in self.sources

    def is_confirmed(self, fact: str) -> bool:
        """True when ``fact`` is stated and its citation is not marked ``UNCONFIRMED``."""
        src = self.sources.get(fact)
        return src is not None and "UNCONFIRMED" not in src


# --------------------------------------------------------------------------------- name parsing

_URL_PREFIX_RE = re.compile(
    r"^(?:hf|huggingface)://|^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/", re.I
)
_QUANT_SUFFIX_RE = re.compile(
    r"[-_.](?:gguf|awq|gptq|int[2348]|w[48]a(?:8|16)|fp8|fp16|bf16|f16|f32|fp32|bnb|[2348]bit"
    r"|nf4|mlx|exl2|hqq|dynamic|marlin|onnx|hf|smashed|i?q\d(?:_[a-z0-9]+)*|[\d.]+bpw)$"
)
_SIZE_RE = re.compile(
    r"(?<![a-z0-9.])(\d+x\d+(?:\.\d+)?b|\d+(?:[._]\d+)?[bm])(?:-(a\d+(?:\.\d+)?b))?(?![a-z0-9])",
    re.I,
)
_SIZE_TOKEN_RE = re.compile(r"\d+(?:\.\d+)?[bm]|\d+x\d+(?:\.\d+)?b|a\d+(?:\.\d+)?b")
_VERSION_TOKEN_RE = re.compile(r"v\d+(?:\.\d+)*|\d{4}")
_HASH_RE = re.compile(r"[0-9a-f]{40}")
_REVISION_RE = re.compile(r"(?<=[^/@])@[A-Za-z0-9._-]+/?$")
_HF_CACHE_RE = re.compile(r"(?:^|/)models--([^/]+?)--([^/]+)")
_OLLAMA_RE = re.compile(r"([a-z0-9][a-z0-9._-]*):([a-z0-9][a-z0-9._-]*)")
_DIGIT_UNDERSCORE_RE = re.compile(r"(?<=\d)_(?=\d)")
_SEPARATORS = "-_./: "

_KIND_TOKENS: Mapping[str, str] = MappingProxyType(
    {
        "instruct": "instruct",
        "chat": "instruct",
        "it": "instruct",
        "thinking": "reasoning",
        "base": "base",
        "pt": "base",
    }
)
_KIND_SUFFIX_TEXT = {
    "instruct": "-Instruct",
    "chat": "-Chat",
    "it": "-it",
    "thinking": "-Thinking",
    "base": "-Base",
    "pt": "-pt",
}
_GLOBAL_NEUTRAL = frozenset({"hf"})
_FORMAT_ONLY_SUFFIXES = frozenset({"hf"})
_AMBIGUOUS_OUTSIDE_FAMILIES = frozenset({"base", "pt"})  # bert-base-uncased, t5-base: a size


def _clean(name: str) -> str:
    """Strip whitespace, URL/scheme prefixes and trailing slashes; normalise separators."""
    text = name.strip().replace("\\", "/")
    text = _URL_PREFIX_RE.sub("", text)
    text = _REVISION_RE.sub("", text)  # "Qwen/Qwen2.5-7B@main": a revision pin, not part of the id
    return text.rstrip("/")


def _key(name: str) -> str:
    return _clean(name).lower().replace("___", ".")


def _last_component(cleaned: str) -> str:
    parts = [p for p in cleaned.split("/") if p and p != "."]
    if not parts:
        return ""
    # A Hugging Face snapshot directory (<repo>/snapshots/<40-hex>) names the repo two levels up.
    while len(parts) > 1 and (_HASH_RE.fullmatch(parts[-1].lower()) or parts[-1] == "snapshots"):
        parts.pop()
    last = parts[-1]
    if last.lower().endswith(".gguf"):
        last = last[: -len(".gguf")]
    return last


def _strip_quant(name: str) -> tuple[str, list[str]]:
    """Remove quantisation / format suffixes (``-AWQ``, ``-GPTQ-Int4``, ``-q4_k_m`` ...)."""
    stripped: list[str] = []
    while True:
        m = _QUANT_SUFFIX_RE.search(name)
        if not m or m.start() == 0:
            return name, stripped
        stripped.insert(0, name[m.start() :])
        name = name[: m.start()]


def _normalise(component: str) -> tuple[str, list[str]]:
    """Lower-case a path component, drop format suffixes, write ``1_8b``/``2___5`` as decimals."""
    text = component.lower().replace("___", ".")
    text, stripped = _strip_quant(text)
    return _DIGIT_UNDERSCORE_RE.sub(".", text), stripped


def parameter_size(name: str) -> str | None:
    """Parameter count in a name: ``"14B"``, ``"0.5B"``, ``"8x7B"``, ``"30B-A3B"``, or None."""
    m = _SIZE_RE.search(_last_component(_clean(name)) or name)
    if not m:
        return None
    main = m.group(1).lower().replace("_", ".")
    size = main[:-1] + main[-1].upper()
    if m.group(2):
        size += "-" + m.group(2).upper()
    return size


# ------------------------------------------------------------------------------ knowledge base


@dataclass(frozen=True)
class _Family:
    key: str
    display: str
    patterns: tuple[re.Pattern[str], ...]
    neutral_tokens: frozenset[str]
    bare_kind: str | None
    facts: Mapping[str, Any]
    sources: Mapping[str, str]
    kinds: Mapping[str, tuple[Mapping[str, Any], Mapping[str, str]]]


@dataclass(frozen=True)
class _KnowledgeBase:
    families: Mapping[str, _Family]
    models: Mapping[str, ModelInfo]  # canonical id -> info
    index: Mapping[str, str]  # lookup key (id or alias) -> canonical id
    names: Mapping[str, tuple[str, ...]]  # normalised last component -> canonical ids


def _load_yaml() -> dict[str, Any]:
    import yaml  # imported lazily: kept off the import path of deploylint.knowledge

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = resources.files(__package__).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    data = yaml.load(text, Loader=loader)  # SafeLoader / CSafeLoader only
    if not isinstance(data, dict) or "families" not in data:
        raise ValueError(f"{_DATA_FILE}: expected a mapping with 'families'")
    return data


def _ref_expander(refs: Mapping[str, str]):
    if not refs:
        return lambda text: text
    alternation = "|".join(re.escape(k) for k in sorted(refs, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w./:-])({alternation})(?![\w-])")

    def expand(text: str) -> str:
        if text in refs:
            return f"{text}: {refs[text]}"
        return pattern.sub(lambda m: f"{m.group(1)} [{refs[m.group(1)]}]", text)

    return expand


def _citations(raw: Any, where: str, expand) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: sources must be a mapping")
    out: dict[str, str] = {}
    for fact, value in raw.items():
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(i, str) and i.strip() for i in items):
            raise ValueError(f"{where}: empty or non-text citation for {fact!r}")
        out[str(fact)] = "; ".join(expand(" ".join(i.split())) for i in items)
    return out


def _layer(raw: Mapping[str, Any], allowed: frozenset[str], where: str) -> dict[str, Any]:
    facts = {k: v for k, v in raw.items() if k not in ("sources", "note", "id", "aliases")}
    unknown = set(facts) - allowed
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    return facts


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _info_kwargs(facts: Mapping[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for fact in FACTS:
        if fact not in facts or fact == "kind":
            continue
        value = facts[fact]
        if fact == "eos_token_ids":
            value = tuple(int(v) for v in (value or ()))
        elif fact == "generation_defaults":
            value = MappingProxyType(dict(value or {}))
        kwargs[fact] = value
    return kwargs


@lru_cache(maxsize=1)
def _kb() -> _KnowledgeBase:
    data = _load_yaml()
    refs = {str(k): " ".join(str(v).split()) for k, v in (data.get("refs") or {}).items()}
    expand = _ref_expander(refs)
    families: dict[str, _Family] = {}
    models: dict[str, ModelInfo] = {}
    index: dict[str, str] = {}
    names: dict[str, list[str]] = {}

    for fkey, fraw in data["families"].items():
        where = f"{_DATA_FILE}: family {fkey}"
        unknown = set(fraw) - _FAMILY_KEYS
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        bare_kind = fraw.get("bare_kind")
        if bare_kind is not None and bare_kind not in KINDS:
            raise ValueError(f"{where}: bad bare_kind {bare_kind!r}")
        kinds: dict[str, tuple[Mapping[str, Any], Mapping[str, str]]] = {}
        for kind, kraw in (fraw.get("kinds") or {}).items():
            if kind not in KINDS:
                raise ValueError(f"{where}: unknown kind {kind!r}")
            kraw = kraw or {}
            kinds[kind] = (
                _layer(kraw, _LAYER_FACTS, f"{where} kinds.{kind}"),
                _citations(kraw.get("sources"), f"{where} kinds.{kind}", expand),
            )
        family = _Family(
            key=str(fkey),
            display=str(fraw.get("display") or fkey),
            patterns=tuple(re.compile(p) for p in fraw.get("patterns") or ()),
            neutral_tokens=frozenset(str(t).lower() for t in fraw.get("neutral_tokens") or ()),
            bare_kind=bare_kind,
            facts=_layer(fraw.get("facts") or {}, _LAYER_FACTS, f"{where} facts"),
            sources=_citations(fraw.get("sources"), where, expand),
            kinds=kinds,
        )
        families[family.key] = family

        for mraw in fraw.get("models") or ():
            mid = str(mraw.get("id") or "")
            mwhere = f"{where} model {mid or '?'}"
            if not mid:
                raise ValueError(f"{mwhere}: missing id")
            unknown = set(mraw) - _MODEL_KEYS
            if unknown:
                raise ValueError(f"{mwhere}: unknown keys {sorted(unknown)}")
            kind = mraw.get("kind")
            if kind not in KINDS:
                raise ValueError(f"{mwhere}: bad kind {kind!r}")
            msources = _citations(mraw.get("sources"), mwhere, expand)
            kfacts, ksources = kinds.get(kind, (_EMPTY, _EMPTY))
            merged: dict[str, Any] = {}
            sources: dict[str, str] = {}
            for layer_facts, layer_sources in (
                (family.facts, family.sources),
                (kfacts, ksources),
                (_layer(mraw, frozenset(FACTS), mwhere), msources),
            ):
                for fact, value in layer_facts.items():
                    merged[fact] = value
                    if fact in layer_sources:
                        sources[fact] = layer_sources[fact]
            for fact in ("kind", "size"):
                if fact in merged and fact not in msources and fact in family.sources:
                    sources[fact] = family.sources[fact]
            if "aliases" in msources:
                sources["aliases"] = msources["aliases"]
            info = ModelInfo(
                id=mid,
                family=family.key,
                kind=kind,
                confidence="known",
                reason=f"listed in built-in knowledge as the {kind} checkpoint of {family.display}",
                sources=MappingProxyType(sources),
                **_info_kwargs({k: _freeze(v) for k, v in merged.items()}),
            )
            for alias in [mid, *(mraw.get("aliases") or ())]:
                k = _key(str(alias))
                if k in index:
                    raise ValueError(f"{mwhere}: id or alias {alias!r} listed twice")
                index[k] = mid
                names.setdefault(_normalise(_last_component(k))[0], []).append(mid)
            models[mid] = info

    return _KnowledgeBase(
        families=MappingProxyType(families),
        models=MappingProxyType(models),
        index=MappingProxyType(index),
        names=MappingProxyType({k: tuple(dict.fromkeys(v)) for k, v in names.items()}),
    )


def lookup(model_id: str) -> ModelInfo | None:
    """The built-in entry for an exact hub id.

    Matching is case-insensitive and accepts aliases (``meta-llama/Meta-Llama-3.1-8B-Instruct``), a
    trailing slash, ``hf://`` / ``huggingface://`` / ``https://huggingface.co/`` prefixes and the
    ModelScope spelling ``___`` for ``.`` (``Qwen/Qwen2___5-7B``). Returns None when not listed.
    """
    if not isinstance(model_id, str) or not model_id.strip() or len(model_id) > 512:
        return None  # (a name of megabytes is no hub id, and normalising it takes seconds)
    kb = _kb()
    canonical = kb.index.get(_key(model_id))
    if canonical is None:
        return None
    info = kb.models[canonical]
    if _key(model_id) != _key(canonical):
        alias_note = f" (matched through the alias {model_id.strip()})"
        info = _replace(info, reason=info.reason + alias_note)
    return info


def family_fact(family: str | None, fact: str, kind: str | None = None) -> tuple[Any, str] | None:
    """(value, citation) of ``fact`` as the family ``family`` states it for every checkpoint (and
    for ``kind``, when given), or None when the family does not state it. For facts that hold for
    a whole architecture (``trust_remote_code_required``), so also for a fine-tune of the family."""
    fam = _kb().families.get(family) if family else None
    if fam is None:
        return None
    facts, sources = _family_facts(fam, kind)
    if fact not in facts:
        return None
    return facts[fact], sources.get(fact, "")


def known_models() -> Iterator[ModelInfo]:
    """Every checkpoint listed in the data file."""
    return iter(_kb().models.values())


def family_names() -> tuple[str, ...]:
    """Family keys in the data file (``"qwen2.5"``, ``"llama3.1"`` ...)."""
    return tuple(_kb().families)


# -------------------------------------------------------------------------------- heuristics


def _replace(info: ModelInfo, **changes: Any) -> ModelInfo:
    return dataclasses.replace(info, **changes)


@dataclass(frozen=True)
class _FamilyMatch:
    family: _Family
    start: int
    end: int

    @property
    def official_style(self) -> bool:
        return self.start == 0


def _match_family(name: str) -> _FamilyMatch | None:
    """Best family pattern match in a normalised name: a prefix match beats an embedded one, then
    the longest match wins (``qwen2.5-coder`` over ``qwen2.5``)."""
    best: _FamilyMatch | None = None
    for family in _kb().families.values():
        for pattern in family.patterns:
            for m in pattern.finditer(name):
                if m.start() and name[m.start() - 1] not in _SEPARATORS:
                    continue
                cand = _FamilyMatch(family, m.start(), m.end())
                if best is None or (
                    (cand.start == 0, cand.end - cand.start, -cand.start)
                    > (best.start == 0, best.end - best.start, -best.start)
                ):
                    best = cand
                break
    return best


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[-_: ]+", text) if t]


def _classify(tokens: list[str], neutral: frozenset[str]) -> tuple[list[str], list[str]]:
    """Split tokens into kind tokens and unrecognised tokens."""
    kind_tokens: list[str] = []
    unknown: list[str] = []
    for tok in tokens:
        if tok in _KIND_TOKENS:
            kind_tokens.append(tok)
        elif (
            _SIZE_TOKEN_RE.fullmatch(tok)
            or _VERSION_TOKEN_RE.fullmatch(tok)
            or tok in neutral
            or tok in _GLOBAL_NEUTRAL
        ):
            continue
        else:
            unknown.append(tok)
    return kind_tokens, unknown


def _kind_from_tokens(kind_tokens: list[str]) -> tuple[str | None, str]:
    kinds = {_KIND_TOKENS[t] for t in kind_tokens}
    suffixes = ", ".join(_KIND_SUFFIX_TEXT[t] for t in dict.fromkeys(kind_tokens))
    if len(kinds) > 1:
        return None, f"the name carries conflicting kind markers ({suffixes})"
    if kinds:
        return kinds.pop(), f"the name contains {suffixes}"
    return None, ""


def _family_facts(family: _Family, kind: str | None) -> tuple[dict[str, Any], dict[str, str]]:
    facts = dict(family.facts)
    sources = {k: family.sources[k] for k in facts if k in family.sources}
    if kind and kind in family.kinds:
        kfacts, ksources = family.kinds[kind]
        facts.update(kfacts)
        sources.update({k: ksources[k] for k in kfacts if k in ksources})
    return facts, sources


def _heuristic(
    id_: str,
    family: _Family | None,
    kind: str | None,
    reason: str,
    size: str | None,
    facts: Mapping[str, Any] | None = None,
    sources: Mapping[str, str] | None = None,
) -> ModelInfo:
    srcs = dict(sources or {})
    if kind is not None:
        srcs["kind"] = "heuristic: " + reason
    if size is not None:
        srcs["size"] = "heuristic: parsed from the name"
    kwargs = _info_kwargs({k: _freeze(v) for k, v in (facts or {}).items()})
    kwargs["size"] = size
    return ModelInfo(
        id=id_,
        family=family.key if family else None,
        kind=kind,
        confidence="heuristic",
        reason=reason,
        sources=MappingProxyType(srcs),
        **kwargs,
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith(".") else text + "."


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _guess_ollama(cleaned: str, base: str, tag: str) -> ModelInfo:
    fm = _match_family(_normalise(base)[0])
    family = fm.family if fm else None
    size = parameter_size(tag)
    tag_tokens = set(_tokens(tag.replace(".", "-")))
    if "text" in tag_tokens or tag_tokens & {"base", "pt"}:
        kind: str | None = "base"
        why = f"the Ollama tag {tag!r} names the pre-trained (text/base) build"
    elif tag_tokens & {"instruct", "chat", "it"}:
        kind, why = "instruct", f"the Ollama tag {tag!r} names the instruct build"
    elif family is not None:
        kind = family.bare_kind if family.bare_kind in ("hybrid", "reasoning") else "instruct"
        why = (
            f"Ollama library tags without '-text' are the post-trained builds; {family.display} "
            f"post-trained is {kind}"
        )
    else:
        kind, why = None, f"an Ollama-style name ({cleaned}) of an unrecognised family"
    why += "; HF facts are not filled because Ollama serves its own GGUF template"
    return _heuristic(cleaned, family, kind, _sentence(_cap(why)), size)


def guess(name: str, *, known: bool = True) -> ModelInfo:
    """Built-in facts for ``name`` (see ``_guess``); answers are immutable, so they are cached
    per name (the same model is asked about by several rules)."""
    if not isinstance(name, str):
        return _guess(name, known=known)
    return _guess_cached(name, known)


@lru_cache(maxsize=8192)
def _guess_cached(name: str, known: bool) -> ModelInfo:
    return _guess(name, known=known)


def _guess(name: str, *, known: bool = True) -> ModelInfo:
    """Built-in facts for ``name`` when listed, else a conservative guess from the name alone.

    Works for hub ids, local paths (``/models/Qwen2.5-14B-Instruct-AWQ``), Hugging Face cache
    paths (``.../models--Qwen--Qwen2.5-7B/snapshots/<hash>``), GGUF file names and Ollama names.
    Quantisation/format suffixes are ignored. A path whose last component equals a listed
    checkpoint's name gets that checkpoint's facts (confidence "heuristic"). A name that merely
    embeds a family name (``my-org/sakura-14b-qwen2.5-v1.0``) is treated as a derivative of unknown
    kind unless a kind suffix says otherwise, and family facts are not filled for it.
    ``known=False`` skips the listed checkpoints and applies the name heuristics only.
    """
    raw = name if isinstance(name, str) else str(name)
    if len(raw) > 512:  # not a model name (matching megabytes against every family takes seconds)
        return _heuristic(raw[:100], None, None, "The name is too long to be a model name.", None)
    cleaned = _clean(raw)
    if known:
        info = lookup(cleaned)
        if info is not None:
            return info

    kb = _kb()
    cache = _HF_CACHE_RE.search(cleaned)
    if cache and known:
        info = lookup(f"{cache.group(1)}/{cache.group(2)}")
        if info is not None:
            return _replace(
                info,
                confidence="heuristic",
                reason=f"Hugging Face cache path of {info.id}: " + info.reason,
            )

    if "/" not in cleaned:
        om = _OLLAMA_RE.fullmatch(cleaned.lower())
        if om:
            return _guess_ollama(cleaned, om.group(1), om.group(2))

    last = _last_component(cleaned)
    if cache:
        last = cache.group(2)
    norm, stripped = _normalise(last)
    if not norm:
        return _heuristic(cleaned, None, None, "The name is empty.", None)
    size = parameter_size(norm)
    # "-hf" (Llama 2 official names) is a format marker, not a quantisation.
    quantised = [s for s in stripped if s.lstrip("-_.") not in _FORMAT_ONLY_SUFFIXES]
    suffix_note = f" (ignoring the suffix {''.join(quantised)})" if quantised else ""

    same_name = kb.names.get(norm, ()) if known else ()
    if len(same_name) == 1:
        info = kb.models[same_name[0]]
        sources = dict(info.sources)
        changes: dict[str, Any] = {}
        if quantised:  # a quantised build: the dtype of the original does not carry over
            changes["torch_dtype"] = None
            sources.pop("torch_dtype", None)
        return _replace(
            info,
            id=cleaned,
            confidence="heuristic",
            reason=(
                f"The name '{last}' matches the built-in checkpoint {info.id}{suffix_note}; "
                f"facts are copied from it."
            ),
            sources=MappingProxyType(sources),
            **changes,
        )

    fm = _match_family(norm)
    if fm is None:
        kind_tokens, _unknown = _classify(_tokens(norm), frozenset())
        ambiguous = [t for t in kind_tokens if t in _AMBIGUOUS_OUTSIDE_FAMILIES]
        kind_tokens = [t for t in kind_tokens if t not in _AMBIGUOUS_OUTSIDE_FAMILIES]
        kind, why = _kind_from_tokens(kind_tokens)
        if kind is None and not why:
            why = "no known family or chat/instruct marker in the name"
            if ambiguous:
                markers = ", ".join(_KIND_SUFFIX_TEXT[t] for t in ambiguous)
                why += f" ({markers} alone is ambiguous outside known families, e.g. bert-base)"
        return _heuristic(cleaned, None, kind, _sentence(_cap(why) + suffix_note), size)

    family = fm.family
    if not fm.official_style:
        kind_tokens, _unknown = _classify(_tokens(norm), family.neutral_tokens)
        kind, why = _kind_from_tokens(kind_tokens)
        prefix = (
            f"'{last}' embeds the {family.display} name after other words, so it is treated as a "
            f"fine-tune or derivative"
        )
        if kind is None:
            why = prefix + (f" and {why}" if why else " of unknown kind")
        else:
            why = prefix + f"; {why}"
        why += "; family facts are not assumed"
        return _heuristic(cleaned, family, kind, _sentence(why + suffix_note), size)

    kind_tokens, unknown = _classify(_tokens(norm[fm.end :]), family.neutral_tokens)
    kind, why = _kind_from_tokens(kind_tokens)
    if unknown:
        extra = ", ".join(repr(t) for t in unknown)
        why = (
            f"'{last}' starts like an official {family.display} id but has extra words ({extra}), "
            f"so it may be a derivative" + (f"; {why}" if why else " of unknown kind")
        )
        why += "; family facts are not assumed"
        return _heuristic(cleaned, family, kind, _sentence(why + suffix_note), size)
    if kind is None and not why:
        kind = family.bare_kind
        if kind is None:
            why = (
                f"'{last}' is an official-style {family.display} name without a kind suffix, and "
                f"{family.display} publishes no checkpoints named that way"
            )
        else:
            why = f"'{last}' is a bare {family.display} name, which in that family means {kind}"
    else:
        why = f"'{last}' is an official-style {family.display} name and {why}"
    facts, sources = _family_facts(family, kind)
    if quantised:
        facts.pop("torch_dtype", None)
        sources.pop("torch_dtype", None)
    return _heuristic(cleaned, family, kind, _sentence(why + suffix_note), size, facts, sources)


def family_chat_format(family: str, kind: str) -> str | None:
    """The ``chat_format`` the data states for ``kind`` checkpoints of ``family`` (family facts
    overlaid with the kind's), or None."""
    fam = _kb().families.get(family)
    if fam is None:
        return None
    facts, _sources = _family_facts(fam, kind)
    value = facts.get("chat_format")
    return value if isinstance(value, str) else None


def family_display(family: str) -> str | None:
    fam = _kb().families.get(family)
    return fam.display if fam is not None else None


def is_ollama_library_name(name: str) -> bool:
    """``qwen2.5:7b``-style names (an Ollama library model and its tag)."""
    cleaned = _clean(name)
    return "/" not in cleaned and _OLLAMA_RE.fullmatch(cleaned.lower()) is not None


def family_of(name: str) -> str | None:
    """Family key for an id, path or Ollama name (``"qwen2.5"``), or None when unrecognised.

    Derivatives that embed a family name (``sakura-14b-qwen2.5-v1.0``) report that family too.
    """
    return guess(name).family
