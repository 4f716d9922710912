"""Shapes of the values deploylint reads, checked before a source reads them.

A scanned file can hold any value anywhere: a list where a model name belongs, a string where a
table belongs, a 300-digit rank, ``.inf`` as a temperature. Each source declares the shape of the
values it reads (a small schema, below) and calls :func:`check_yaml` or :func:`check_json` on the
document first. A value of the wrong shape is reported (DPL000 at its line, naming the key and
what was expected) and **removed** from the document (a YAML node becomes null, a JSON key is
deleted), so that the source sees it as absent: no rule ever does arithmetic on it or mistakes it
for something else.

Only clear mismatches are reported (precision first): a mapping or a list where a scalar
belongs and the reverse, and numbers that are not finite or outside the range the value can have
(``NUM(lo, hi)``). A scalar of another scalar type (``port: "8000"``, ``r: 16.0``) is left to the
source, as the real tools coerce those.

Schemas: ``S`` (a scalar), ``NUM(lo, hi)`` (a scalar; when it is a number, finite and in range),
``SEQ(item)``, ``MAP({key: schema}, rest=schema)`` (``rest`` applies to keys not listed), ``ANY``,
``ONE(a, b, …)`` (the first schema whose kind matches the value's kind applies).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .. import yamlutil as Y
from ..facts import Diagnostic
from ..location import Loc

__all__ = ["ANY", "MAP", "NUM", "ONE", "S", "SEQ", "check_json", "check_yaml"]


@dataclass(frozen=True)
class _Spec:
    kind: str  # "scalar" | "seq" | "map" | "any" | "one"
    lo: float | None = None
    hi: float | None = None
    item: Any = None
    fields: dict[str, Any] = field(default_factory=dict)
    rest: Any = None
    options: tuple = ()


S = _Spec("scalar")
ANY = _Spec("any")


def NUM(lo: float, hi: float) -> _Spec:  # noqa: N802 - schema constructors read as types
    return _Spec("scalar", lo=lo, hi=hi)


def SEQ(item: _Spec = ANY) -> _Spec:  # noqa: N802
    return _Spec("seq", item=item)


def MAP(fields: dict[str, _Spec] | None = None, rest: _Spec | None = ANY) -> _Spec:  # noqa: N802
    return _Spec("map", fields=dict(fields or {}), rest=rest)


def ONE(*options: _Spec) -> _Spec:  # noqa: N802
    return _Spec("one", options=options)


_NAMES = {"scalar": "a single value", "seq": "a list", "map": "a mapping"}
#: Most problems reported per document (a file made of nothing but wrong values).
MAX_REPORTS = 20


def _expected(spec: _Spec) -> str:
    if spec.kind == "one":
        return " or ".join(dict.fromkeys(_expected(o) for o in spec.options))
    if spec.kind == "scalar" and spec.lo is not None:
        return f"a number from {spec.lo:g} to {spec.hi:g}"
    return _NAMES.get(spec.kind, "a value")


def _pick(spec: _Spec, kind: str) -> _Spec | None:
    """The schema that applies to a value of ``kind`` (None: none does)."""
    if spec.kind == "any":
        return spec
    if spec.kind == "one":
        for o in spec.options:
            picked = _pick(o, kind)
            if picked is not None:
                return picked
        return None
    return spec if spec.kind == kind else None


def _bad_number(spec: _Spec, value: Any) -> bool:
    if spec.lo is None or spec.hi is None:
        return False
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return True
    return not (spec.lo <= value <= spec.hi)


def _shown(key: Any) -> str:
    text = str(key)
    return text if len(text) <= 60 else text[:57] + "..."


#: Where a value is: ``()`` for the document, else ``(parent's KeyPath, key)`` (built as the walk
#: descends without copying a list at every node; spelled out only for a report).
KeyPath = tuple[Any, ...]


def _keys(key_path: KeyPath) -> list[Any]:
    out: list[Any] = []
    while key_path:
        key_path, key = key_path
        out.append(key)
    return out[::-1]


class _Report:
    def __init__(self, diagnostics: list[Diagnostic], what: str) -> None:
        self.diagnostics = diagnostics
        self.what = what
        self.count = 0

    def __call__(self, loc: Loc, key_path: KeyPath, spec: _Spec, found: str) -> None:
        self.count += 1
        if self.count > MAX_REPORTS:
            return
        where = ".".join(_shown(k) for k in _keys(key_path)) or "the document"
        msg = (
            f"{self.what}: `{where}` should be {_expected(spec)}, not {found}; "
            "not read (treated as absent)"
        )
        self.diagnostics.append(Diagnostic(loc, msg, f"shape:{where}"))


# -- YAML nodes ------------------------------------------------------------------------------------


def _ykind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "map"
    if isinstance(node, SequenceNode):
        return "seq"
    return "scalar"


def _yfound(node: Node) -> str:
    if isinstance(node, ScalarNode):
        v = Y.scalar_value(node)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return f"{_shown(node.value)}"
        return "a single value"
    return _NAMES[_ykind(node)]


def _null_like(node: Node) -> ScalarNode:
    return ScalarNode("tag:yaml.org,2002:null", "", node.start_mark, node.end_mark)


def check_yaml(path: Path, node: Node | None, spec: _Spec, what: str) -> list[Diagnostic]:
    """Check a composed YAML document against ``spec``; wrong values are replaced by null nodes
    (in place) and reported. Returns the diagnostics."""
    out: list[Diagnostic] = []
    if node is None:
        return out
    report = _Report(out, what)
    seen: set[int] = set()  # a node shared through aliases is checked once

    def walk(n: Node, s: _Spec, key_path: KeyPath, depth: int) -> bool:
        """False when ``n`` does not fit ``s`` (the caller replaces it)."""
        if s.kind == "any" or depth > Y.MAX_DEPTH:
            return True
        if s.kind == "deep":
            deep(n, s, key_path, depth)
            return True
        if isinstance(n, ScalarNode) and Y.scalar(n) is None:
            return True  # null: absent, whatever was expected
        picked = _pick(s, _ykind(n))
        if picked is None:
            report(Y.loc(path, n), key_path, s, _yfound(n))
            return False
        if picked.kind == "scalar":
            if (
                picked.lo is not None
                and isinstance(n, ScalarNode)
                and _bad_number(picked, Y.scalar_value(n))
            ):
                report(Y.loc(path, n), key_path, picked, _yfound(n))
                return False
            return True
        if id(n) in seen:
            return True
        seen.add(id(n))
        if picked.kind == "seq":
            for i, item in enumerate(n.value):
                if not walk(item, picked.item, (key_path, i), depth + 1):
                    n.value[i] = _null_like(item)
            return True
        changed = False
        for i, (k, v) in enumerate(n.value):
            if not isinstance(k, ScalarNode) or (k.value == "<<" and Y.tag(k) == Y._MERGE):
                continue
            sub = picked.fields.get(k.value, picked.rest)
            if sub is None or sub.kind == "any":
                continue
            if not walk(v, sub, (key_path, k.value), depth + 1):
                n.value[i] = (k, _null_like(v))
                changed = True
        if changed:
            n.__dict__.pop(Y._INDEX, None)  # the lookup table cached by yamlutil
        return True

    looked: set[int] = set()  # nodes looked into by `deep`

    def deep(n: Node, s: _Spec, key_path: KeyPath, depth: int) -> None:
        if depth > Y.MAX_DEPTH or id(n) in looked:
            return
        if isinstance(n, SequenceNode):
            looked.add(id(n))
            for i, item in enumerate(n.value):
                deep(item, s, (key_path, i), depth + 1)
        elif isinstance(n, MappingNode):
            looked.add(id(n))
            changed = False
            for i, (k, v) in enumerate(n.value):
                if not isinstance(k, ScalarNode):
                    continue
                sub = s.fields.get(k.value)
                if sub is not None and not walk(v, sub, (key_path, k.value), depth + 1):
                    n.value[i] = (k, _null_like(v))
                    changed = True
                    continue
                if k.value not in _NOT_DEEP:
                    deep(v, s, (key_path, k.value), depth + 1)
            if changed:
                n.__dict__.pop(Y._INDEX, None)

    walk(node, spec, (), 0)
    return out


# -- JSON values -----------------------------------------------------------------------------------


def _jkind(v: Any) -> str:
    if isinstance(v, dict):
        return "map"
    if isinstance(v, list):
        return "seq"
    return "scalar"


def _jfound(v: Any) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _shown(repr(v) if isinstance(v, float) else v)
    return _NAMES[_jkind(v)]


def check_json(doc: Any, spec: _Spec, what: str) -> list[Diagnostic]:
    """Check a ``jsonutil.JsonDoc`` against ``spec``; wrong values are removed from
    ``doc.data`` (a mapping's key deleted, a list item set to None) and reported."""
    out: list[Diagnostic] = []
    report = _Report(out, what)

    def walk(v: Any, s: _Spec, key_path: KeyPath, depth: int) -> bool:
        if s.kind == "any" or v is None or depth > Y.MAX_DEPTH:
            return True
        if s.kind == "deep":  # (no JSON schema is deep today)
            return True
        picked = _pick(s, _jkind(v))
        if picked is None:
            report(doc.loc(*_keys(key_path)), key_path, s, _jfound(v))
            return False
        if picked.kind == "scalar":
            if _bad_number(picked, v):
                report(doc.loc(*_keys(key_path)), key_path, picked, _jfound(v))
                return False
            return True
        if picked.kind == "seq":
            for i, item in enumerate(v):
                if not walk(item, picked.item, (key_path, i), depth + 1):
                    v[i] = None
            return True
        for k in list(v):
            sub = picked.fields.get(k, picked.rest)
            if sub is None or sub.kind == "any":
                continue
            if not walk(v[k], sub, (key_path, k), depth + 1):
                del v[k]
        return True

    if not walk(doc.data, spec, (), 0):
        doc.data = {} if spec.kind == "map" else None
    return out


# -- "deep" schemas: checked at every level of a tree ----------------------------------------------


#: Keys a deep schema does not look below (labels, annotations, a ConfigMap's data, status: no
#: container is there, and they can be large).
_NOT_DEEP = frozenset({"metadata", "data", "stringData", "binaryData", "status", "annotations"})


def DEEP(fields: dict[str, _Spec]) -> _Spec:  # noqa: N802
    """A mapping whose listed keys have these shapes wherever they appear below it (a
    Kubernetes object: ``args`` of any container, at any depth, is a list)."""
    return _Spec("deep", fields=dict(fields))


# -- the schemas of the sources --------------------------------------------------------------------

_ID = NUM(0, 1 << 40)  # token ids, ranks, sizes, lengths: a whole number of sane size
_IDS = ONE(_ID, SEQ(_ID))
_TEMP = NUM(0, 1e6)  # sampling values: finite, not negative
_TOKEN = ONE(S, MAP({"content": S}))
_STRS = ONE(S, SEQ(S))

COMPOSE = MAP(
    {
        "services": MAP(
            rest=MAP(
                {
                    "image": S,
                    "command": _STRS,
                    "entrypoint": _STRS,
                    "environment": ONE(MAP(rest=S), SEQ(S)),
                    "env_file": ONE(S, SEQ(ONE(S, MAP({"path": S})))),
                    "ports": SEQ(ONE(S, MAP({"published": S, "target": S}))),
                    "volumes": SEQ(ONE(S, MAP({"source": S, "target": S}))),
                    "build": ONE(S, MAP({"context": S, "dockerfile": S})),
                }
            )
        )
    }
)

_ENV_VAR = MAP({"name": S, "value": S})
KUBERNETES = DEEP(
    {
        "apiVersion": S,
        "kind": S,
        "metadata": MAP({"name": S, "namespace": S, "labels": MAP(rest=S)}),
        "containers": SEQ(MAP()),
        "initContainers": SEQ(MAP()),
        "command": SEQ(S),
        "args": SEQ(S),
        "env": SEQ(_ENV_VAR),
        "ports": SEQ(MAP({"port": S, "targetPort": S, "containerPort": S, "name": S})),
        "volumeMounts": SEQ(MAP({"name": S, "mountPath": S, "subPath": S})),
        "storageUri": S,
    }
)

LLAMAFACTORY = MAP(
    {
        "model_name_or_path": S,
        "template": S,
        "stage": S,
        "finetuning_type": S,
        "adapter_name_or_path": S,
        "export_dir": S,
        "output_dir": S,
        "infer_backend": S,
        "lora_rank": _ID,
        "lora_alpha": NUM(-1e9, 1e9),
        "lora_target": S,
        "cutoff_len": _ID,
        "quantization_bit": _ID,
        "default_system": S,
        "vllm_maxlen": _ID,
        "vllm_max_lora_rank": _ID,
        "temperature": _TEMP,
        "top_p": _TEMP,
        "do_sample": S,
        "peft_config": MAP({"r": _ID, "name": S}),
    },
    rest=None,
)

MODEL_JSON = {
    "config.json": MAP(
        {
            "model_type": S,
            "architectures": SEQ(S),
            "vocab_size": _ID,
            "max_position_embeddings": _ID,
            "eos_token_id": _IDS,
            "bos_token_id": _IDS,
            "pad_token_id": _IDS,
            "torch_dtype": S,
            "text_config": MAP({"vocab_size": _ID, "eos_token_id": _IDS, "model_type": S}),
        }
    ),
    "generation_config.json": MAP(
        {
            "eos_token_id": _IDS,
            "bos_token_id": _IDS,
            "pad_token_id": _IDS,
            "do_sample": S,
            "temperature": _TEMP,
            "top_p": _TEMP,
            "top_k": _ID,
            "max_new_tokens": _ID,
            "max_length": _ID,
            "repetition_penalty": _TEMP,
        }
    ),
    "tokenizer_config.json": MAP(
        {
            "chat_template": ONE(S, SEQ(MAP({"name": S, "template": S}))),
            "bos_token": _TOKEN,
            "eos_token": _TOKEN,
            "pad_token": _TOKEN,
            "unk_token": _TOKEN,
            "added_tokens_decoder": MAP(),  # (hundreds of entries; read by key where needed)
            "tokenizer_class": S,
        }
    ),
    "special_tokens_map.json": MAP(
        {
            "bos_token": _TOKEN,
            "eos_token": _TOKEN,
            "pad_token": _TOKEN,
            "unk_token": _TOKEN,
            "additional_special_tokens": SEQ(_TOKEN),
        }
    ),
    "added_tokens.json": MAP(rest=_ID),
    "adapter_config.json": MAP(
        {
            "peft_type": S,
            "base_model_name_or_path": S,
            "r": _ID,
            "lora_alpha": NUM(-1e9, 1e9),
            "target_modules": _STRS,
            "modules_to_save": _STRS,
            "task_type": S,
            "num_virtual_tokens": _ID,
            "use_dora": S,
            "rank_pattern": MAP(rest=_ID),
            "alpha_pattern": MAP(rest=NUM(-1e9, 1e9)),
        }
    ),
    "chat_template.json": MAP({"chat_template": ONE(S, SEQ(MAP({"name": S, "template": S})))}),
}

PAYLOAD = MAP(
    {
        "model": S,
        "messages": SEQ(MAP({"role": S, "content": ONE(S, SEQ(MAP()))})),
        "prompt": ONE(S, SEQ(ANY)),
        "temperature": _TEMP,
        "top_p": _TEMP,
        "top_k": NUM(-1, 1 << 40),
        "max_tokens": _ID,
        "max_completion_tokens": _ID,
        "stop": _STRS,
        "options": MAP({"temperature": _TEMP, "top_p": _TEMP, "num_ctx": _ID}),
    }
)
