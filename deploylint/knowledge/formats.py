"""Built-in chat formats: what each model family's official chat template renders.

The data lives in ``chat_formats.yaml`` next to this module (one entry per format, each with its
sources); families point at a format with the ``chat_format`` fact of ``models.yaml``. A format is
a compact Jinja template rendered by deploylint's Jinja sandbox exactly like a tokenizer's own
template, plus the special tokens it reads, pinned variables, alternative variable sets for other
published revisions (``variants``) and patterns of text that legitimately differs between renders
(``volatile``, e.g. today's date).

* :func:`get` - a format by key.
* :func:`for_model` - the format of a model id / path / GGUF file / Ollama name, with how it was
  matched and how sure that is.

Only the standard library and ``yaml`` are used; ``yaml`` is imported on first use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any

__all__ = ["ChatFormat", "FormatMatch", "for_model", "formats", "get"]

_DATA_FILE = "chat_formats.yaml"
_KEYS = frozenset(
    {
        "display",
        "summary",
        "template",
        "bos_token",
        "eos_token",
        "variables",
        "variants",
        "modes",
        "volatile",
        "default_system_known",
        "sources",
    }
)
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class ChatFormat:
    key: str
    display: str
    summary: str
    template: str
    bos_token: str | None
    eos_token: str | None
    variables: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    variants: tuple[Mapping[str, Any], ...] = ()
    modes: tuple[Mapping[str, Any], ...] = ()
    volatile: tuple[re.Pattern[str], ...] = ()
    default_system_known: bool = True
    sources: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    @property
    def special_tokens(self) -> dict[str, str]:
        out = {}
        if self.bos_token is not None:
            out["bos_token"] = self.bos_token
        if self.eos_token is not None:
            out["eos_token"] = self.eos_token
        return out

    @property
    def citation(self) -> str:
        return self.sources.get("template", "")

    def variable_sets(self, alternatives: bool = False) -> list[dict[str, Any]]:
        """The variables of the canonical render (the current official revision, default mode),
        then, with ``alternatives``, those of each other published revision (``variants``) and
        each official mode the template offers (``modes``, e.g. ``enable_thinking=False``)."""
        base = dict(self.variables)
        extra = list(self.variants) + list(self.modes) if alternatives else []
        return [base] + [{**base, **v} for v in extra]

    def normalise(self, text: str) -> str:
        for pattern in self.volatile:
            text = pattern.sub("", text)
        return text


@dataclass(frozen=True)
class FormatMatch:
    """How a model reference was matched to a built-in format."""

    format: ChatFormat
    model: str  # the reference as written (or the listed id)
    confidence: str  # "known" (a listed id) | "heuristic" (matched by its name)
    reason: str  # why the name was matched (models.guess)
    matched: str  # short: "Qwen/Qwen2.5-7B-Instruct" or "the name matches Qwen/Qwen3-8B"

    @property
    def phrase(self) -> str:
        """'the Qwen2.5 ChatML of Qwen/Qwen2.5-7B-Instruct, from built-in knowledge' or, matched
        by name, '… (heuristic: the name matches …)'."""
        if self.confidence == "known":
            return f"the {self.format.display} of {self.matched}, from built-in knowledge"
        return f"the {self.format.display}, from built-in knowledge (heuristic: {self.matched})"


_CHECKPOINT = re.compile(r"matches the built-in checkpoint (\S+?)(?: \(|;|$)")


def _matched(info: Any, cleaned: str) -> str:
    from . import models

    if info.confidence == "known":
        return str(info.id)
    m = _CHECKPOINT.search(info.reason)
    if m:
        return f"the name matches {m.group(1)}"
    fam = models.family_display(info.family) if info.family else None
    if models.is_ollama_library_name(cleaned):
        return f"`{cleaned}` is an Ollama library name of {fam or info.family}"
    return f"`{cleaned}` is an official-style {fam or info.family} name"


def _load() -> dict[str, Any]:
    import yaml  # imported lazily

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = resources.files(__package__).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    data = yaml.load(text, Loader=loader)
    if not isinstance(data, dict) or not isinstance(data.get("formats"), dict):
        raise ValueError(f"{_DATA_FILE}: expected a mapping with 'formats'")
    return data


def _expand(refs: Mapping[str, str], value: Any, where: str) -> str:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise ValueError(f"{where}: empty or non-text citation")
    out = []
    for item in items:
        item = " ".join(item.split())
        head = item.split(" ", 1)[0]
        if item in refs:
            out.append(f"{item}: {refs[item]}")
        elif head in refs:
            out.append(f"{item} [{head}: {refs[head]}]")
        else:
            out.append(item)
    return "; ".join(out)


@lru_cache(maxsize=1)
def formats() -> Mapping[str, ChatFormat]:
    data = _load()
    refs = {str(k): " ".join(str(v).split()) for k, v in (data.get("refs") or {}).items()}
    out: dict[str, ChatFormat] = {}
    for key, raw in data["formats"].items():
        where = f"{_DATA_FILE}: format {key}"
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: expected a mapping")
        unknown = set(raw) - _KEYS
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        template = raw.get("template")
        if not isinstance(template, str) or not template.strip():
            raise ValueError(f"{where}: missing template")
        sources = raw.get("sources") or {}
        if "template" not in sources:
            raise ValueError(f"{where}: the template needs a source")
        variants = tuple(MappingProxyType(dict(v)) for v in raw.get("variants") or ())
        if variants and "variants" not in sources:
            raise ValueError(f"{where}: variants need a source")
        modes = tuple(MappingProxyType(dict(v)) for v in raw.get("modes") or ())
        if modes and "modes" not in sources:
            raise ValueError(f"{where}: modes need a source")
        out[str(key)] = ChatFormat(
            key=str(key),
            display=str(raw.get("display") or key),
            summary=str(raw.get("summary") or raw.get("display") or key),
            template=template,
            bos_token=raw.get("bos_token"),
            eos_token=raw.get("eos_token"),
            variables=MappingProxyType(dict(raw.get("variables") or {})),
            variants=variants,
            modes=modes,
            volatile=tuple(re.compile(p) for p in raw.get("volatile") or ()),
            default_system_known=bool(raw.get("default_system_known", True)),
            sources=MappingProxyType(
                {str(k): _expand(refs, v, f"{where} sources.{k}") for k, v in sources.items()}
            ),
        )
    return MappingProxyType(out)


def get(key: str) -> ChatFormat | None:
    return formats().get(key)


def _clean_ref(name: str) -> str:
    """Drop the `:QUANT` tag of an `hf.co/user/Model-GGUF:Q4_K_M` (Ollama) or `user/Model-GGUF:Q8_0`
    (llama.cpp `-hf`) reference; Ollama library names (`qwen2.5:7b`) keep their tag."""
    text = name.strip()
    head, _, last = text.rpartition("/")
    if head and ":" in last:
        text = head + "/" + last.split(":", 1)[0]
    return text


def for_model(name: str) -> FormatMatch | None:
    """The built-in format of the model ``name`` names (a hub id, a local path, a GGUF file, an
    Ollama library name), or None when its family's format is not known.

    A listed checkpoint gives its own format ("known"); an official-style name of a known family
    gives the family's format for the kind the name says ("heuristic"). Names that only embed a
    family name (fine-tunes, derivatives) give nothing: their format is not assumed.
    """
    from . import models

    if not isinstance(name, str) or not name.strip():
        return None
    cleaned = _clean_ref(name)
    info = models.guess(cleaned)
    key = info.chat_format
    if (
        key is None
        and info.family is not None
        and info.kind is not None
        and models.is_ollama_library_name(cleaned)
    ):
        # An Ollama library name: the library's GGUF carries the family's template (guess()
        # fills no HF facts for those names), so the family's format for the kind applies.
        key = models.family_chat_format(info.family, info.kind)
    if key is None:
        return None
    fmt = get(key)
    if fmt is None:
        return None
    confidence = "known" if info.confidence == "known" else "heuristic"
    return FormatMatch(fmt, info.id, confidence, info.reason, _matched(info, cleaned))
