"""Lineage of fine-tunes written in Python: a run's results → merges and exports → what serves them.

A Python fine-tune (``SftRun``, from ``sources/python/recognisers/sft_data.py``) writes its
results with the calls the Python source already reports as ``PeftOp``s: ``trainer.save_model``,
``model.save_pretrained`` (an adapter, or all weights), ``merge_and_unload`` then
``save_pretrained`` (a merged model), Unsloth's ``save_pretrained_merged`` and
``save_pretrained_gguf``, and ``TrainingArguments(output_dir=...)`` (its ``checkpoint-N``
folders). Another script may load that adapter (``PeftModel.from_pretrained(base, path)``,
``AutoPeftModelForCausalLM.from_pretrained(path)``, Unsloth's ``from_pretrained(path)``), merge and
save it again: those results belong to the run too.

A launch serves a run's result when its model (or one of its adapters) is one of those
directories, by the path-matching rules of ``lineage.py`` (``same_dir``: the same host path, or a
shared distinctive path suffix inside one project). A GGUF export is matched by the file a launch
names inside it (Unsloth writes ``<name>_gguf/<model>.<QUANT>.gguf``, older releases
``<name>/unsloth.<QUANT>.gguf``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ..facts import Launch, Loc, PeftOp, SftRun, Value
from .lineage import PathRef, index, launches_serving, path_ref, same_dir

_CHECKPOINT = re.compile(r"^checkpoint-\d+$")


@dataclass
class Product:
    """A place a Python fine-tune's result is written to."""

    run: SftRun
    kind: str  # "checkpoints" | "adapter" | "model" | "merged" | "gguf"
    ref: PathRef
    how: str  # "written by train.py to `out`", "merged by merge.py into `merged`"
    loc: Loc
    tokenizer: bool | None = None  # a tokenizer is saved there (None: not known)
    tokenizer_from: str | None = None  # the model id/path that tokenizer was loaded from
    op: PeftOp | None = None


@dataclass
class Served:
    """A launch that serves a Python fine-tune's result."""

    run: SftRun
    product: Product
    as_adapter: bool  # the launch loads it as an adapter on its own base model
    how: str


class PyLineage:
    def __init__(self, project: Any):
        self.project = project
        self.products: list[Product] = []
        self._served: dict[int, Served | None] | None = None
        if project.sft_runs:
            self._build()

    # -- what the runs write --------------------------------------------------------------------
    def _build(self) -> None:
        project = self.project
        ops_by_file: dict[Path, list[PeftOp]] = {}
        for op in project.peft_ops:
            ops_by_file.setdefault(op.loc.path, []).append(op)
        for run in project.sft_runs:
            name = run.loc.path.name
            for out in run.outputs:
                if isinstance(out.path.value, str):
                    ref = path_ref(project, out.path.value, out.path.loc, run.loc.path.parent)
                    kind = out.kind
                    if kind == "checkpoints" and not run.adapter:
                        kind = "checkpoints-full"
                    self.products.append(
                        Product(run, kind, ref, f"written by {name} to `{out.path.value}`", out.loc)
                    )
            names = {v for v in (run.model_var, run.trainer_var) if v}
            if run.trainer_var:
                names.add(f"{run.trainer_var}.model")
            ops = [o for o in ops_by_file.get(run.loc.path, []) if _after(o.loc, run.loc)]
            self._follow(run, ops, names, name, first=True)
        # scripts that load a run's adapter (or model) and merge/export it
        for path, ops in ops_by_file.items():
            for op in ops:
                if op.op not in ("load-adapter", "load-base") or not op.var:
                    continue
                val = op.adapter if op.op == "load-adapter" else op.model
                if op.op == "load-base" and op.what != "model":
                    continue
                if val is None:
                    continue
                prod = self._product_of(val, path.parent)
                if prod is None:
                    continue
                later = [o for o in ops if _after(o.loc, op.loc)]
                self._follow(prod.run, later, {op.var}, path.name, first=False, via=prod)

    def _follow(
        self,
        run: SftRun,
        ops: list[PeftOp],
        names: set[str],
        script: str,
        first: bool,
        via: Product | None = None,
    ) -> None:
        """Results written by ``ops`` (one file's operations after the run, or after a load of its
        adapter) from the model variables ``names``."""
        if not ops:
            return
        project = self.project
        path = ops[0].loc.path
        merged: set[str] = set()
        tokenizer_saves: dict[str, PeftOp] = {}
        tokenizer_loads: dict[str, str] = {}
        for o in project.peft_ops:
            if o.loc.path != path:
                continue
            if o.op == "save" and o.what == "tokenizer" and o.target is not None:
                if isinstance(o.target.value, str):
                    tokenizer_saves[o.target.value] = o
            if o.op == "load-base" and o.what == "tokenizer" and o.var and o.model is not None:
                if isinstance(o.model.value, str):
                    tokenizer_loads[o.var] = o.model.value
        for o in ops:
            if o.op == "merge" and (o.source_var in names or o.source_var in merged):
                if o.var:
                    merged.add(o.var)
                continue
            if o.op != "save" or o.target is None or not isinstance(o.target.value, str):
                continue
            var = o.var or ""
            method = str(o.extra.get("method", "") or "")
            if var not in names and var not in merged:
                continue
            if o.what == "gguf":
                kind = "gguf"
            elif var in merged or method == "save_pretrained_merged":
                kind = "merged"
            elif o.what == "adapter" or (o.what == "model" and first and run.adapter is False):
                kind = "adapter" if o.what == "adapter" else "model"
            elif o.what == "model":
                # all weights of a model that was loaded from the run's adapter (Unsloth) or of
                # the trained model itself
                kind = "model" if first else "merged"
            else:
                continue
            target = o.target.value
            ref = path_ref(project, target, o.target.loc, path.parent)
            origin = f"from the adapter {via.how}" if via is not None else "from the run"
            if first and kind == "gguf":
                how = f"exported as GGUF by {script} to `{target}`"
            elif first and kind == "merged":
                how = f"merged by {script} into `{target}`"
            elif first:
                how = f"written by {script} to `{target}`"
            elif kind == "gguf":
                how = f"exported as GGUF by {script} to `{target}` ({origin})"
            elif kind == "merged":
                how = f"merged by {script} into `{target}` ({origin})"
            else:
                how = f"saved by {script} to `{target}` ({origin})"
            prod = Product(run, kind, ref, how, o.loc, op=o)
            if kind in ("model", "merged") and method != "save_pretrained_merged":
                tok = tokenizer_saves.get(target)
                prod.tokenizer = tok is not None
                if tok is not None and tok.var in tokenizer_loads:
                    prod.tokenizer_from = tokenizer_loads[tok.var]
            self.products.append(prod)

    def _product_of(self, val: Value, base_dir: Path) -> Product | None:
        """The run product a path value names; a value assigned differently on different paths
        (the adapter directory, or the newest ``checkpoint-N`` inside it) names one when every
        alternative is inside the same run's output."""
        kinds = ("adapter", "checkpoints", "model")
        if isinstance(val.value, str):
            return self.product_at(path_ref(self.project, val.value, val.loc, base_dir), kinds)
        if not val.alternatives:
            return None
        found: list[Product] = []
        for text in val.alternatives:
            if "{" in text:
                head, _, last = text.replace("\\", "/").rstrip("/").rpartition("/")
                if not head or "{" in head or not (last.startswith("{") and last.endswith("}")):
                    return None
                ref = path_ref(self.project, head, val.loc, base_dir)
                prod = self.product_at(ref, ("checkpoints",))  # a folder inside output_dir
            else:
                prod = self.product_at(path_ref(self.project, text, val.loc, base_dir), kinds)
            if prod is None:
                return None
            found.append(prod)
        if any(p.run is not found[0].run for p in found):
            return None
        return next((p for p in found if p.kind != "checkpoints"), found[0])

    def product_at(self, ref: PathRef, kinds: tuple[str, ...]) -> Product | None:
        """The run product at ``ref`` (a ``checkpoint-N`` folder inside a run's output_dir is that
        run's adapter)."""
        for p in self.products:
            if p.kind not in kinds:
                continue
            if p.ref.leaf == ref.leaf and same_dir(p.ref, ref):
                return p
        parts = ref.parts()
        if parts and _CHECKPOINT.match(parts[-1]):
            parent = _parent(ref)
            for p in self.products:
                if (
                    p.kind == "checkpoints"
                    and p.ref.leaf == parent.leaf
                    and same_dir(p.ref, parent)
                ):
                    return p
        return None

    # -- who serves them -------------------------------------------------------------------------
    def served(self, launch: Launch) -> Served | None:
        if self._served is None:
            self._served = self._all_served()
        return self._served.get(id(launch))

    def _all_served(self) -> dict[int, Served | None]:
        project = self.project
        out: dict[int, Served | None] = {}

        def put(launch: Launch, s: Served) -> None:
            out.setdefault(id(launch), s)

        for p in self.products:
            if p.kind in ("model", "merged", "checkpoints-full"):
                for launch in launches_serving(project, p.ref):
                    put(launch, Served(p.run, p, False, p.how))
        idx = index(project)
        for use in idx.uses():
            if not isinstance(use.owner, Launch):
                continue
            prod = self.product_at(use.ref, ("adapter", "checkpoints"))
            if prod is not None:
                how = f"the adapter `{use.ref.text}` it loads is {prod.how}"
                put(use.owner, Served(prod.run, prod, True, how))
        ggufs = [p for p in self.products if p.kind == "gguf"]
        if ggufs:
            for launch in project.launches:
                mr = launch.model
                if mr is None or not mr.resolved or not mr.ref.lower().endswith(".gguf"):
                    continue
                lref = path_ref(
                    project, mr.ref, mr.token.loc if mr.token else None, launch.base_dir, launch
                )
                parent = _parent(lref)
                for p in ggufs:
                    for variant in _gguf_dirs(project, p):
                        if variant.leaf == parent.leaf and same_dir(variant, parent):
                            put(launch, Served(p.run, p, False, p.how))
        return out


def _gguf_dirs(project: Any, p: Product) -> list[PathRef]:
    """Where Unsloth writes the GGUF file of ``save_pretrained_gguf(name)``: ``name_gguf/``
    (newer releases) or ``name/``."""
    text = p.ref.text.rstrip("/\\")
    base = p.op.loc.path.parent if p.op is not None else p.loc.path.parent
    return [p.ref, path_ref(project, text + "_gguf", p.ref.loc, base)]


def _parent(ref: PathRef) -> PathRef:
    text = ref.text.replace("\\", "/").rstrip("/")
    parent_text = str(PurePosixPath(text).parent)
    return PathRef(parent_text, ref.loc, {c.parent for c in ref.candidates}, ref.project)


def _after(a: Loc, b: Loc) -> bool:
    return (a.line or 0) >= (b.line or 0)


def py_lineage(project: Any) -> PyLineage:
    got = getattr(project, "_py_lineage", None)
    if got is None:
        got = PyLineage(project)
        project._py_lineage = got
    return got


def model_dir_at(project: Any, text: str, loc: Loc | None, base_dir: Path) -> Any:
    """The model directory a path in Python code names: the directory itself when it resolves in
    the tree, else a model directory of the same project whose path ends with the same
    distinctive components (``../repo/runs/2024-01-12`` written in a clone named differently)."""
    from ..location import safe_is_dir

    ref = path_ref(project, text, loc, base_dir)
    for c in sorted(ref.candidates):
        if safe_is_dir(c):
            md = project.model_dir(c)
            if md is not None:
                return md
    if loc is None:
        return None
    leaf = ref.leaf
    for path, md in project.model_dirs.items():
        if path.name != leaf:
            continue
        anchor = next(iter(sorted(md.names)), None)
        dref = PathRef(str(path), Loc(path / anchor) if anchor else None, {path}, project)
        if same_dir(ref, dref):
            return md
    return None


def consumers(project: Any, ref: PathRef) -> list[PeftOp]:
    """Python loads (``from_pretrained``) of the directory ``ref``."""
    out = []
    for op in project.peft_ops:
        if op.op != "load-base" or op.model is None or not isinstance(op.model.value, str):
            continue
        other = path_ref(project, op.model.value, op.model.loc, op.loc.path.parent)
        if other.leaf == ref.leaf and same_dir(other, ref):
            out.append(op)
    return out
