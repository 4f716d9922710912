"""Fine-tune lineage: training output → export (merge) → what serves it.

Paths are written relative to wherever the tool ran (LLaMA-Factory resolves `output_dir` against
its working directory, usually the repository root) or as container paths behind a volume. Two
path references are the same directory when they resolve to the same host path, or — when one of
them cannot be resolved (a container path with no bind mount, a PVC) — when they share their last
two or more path components.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ..facts import Launch, Loc, PeftOp, TrainingRun
from ..launch_details import training_of
from ..location import safe_is_dir

GENERIC = {
    "output",
    "outputs",
    "saves",
    "models",
    "model",
    "checkpoints",
    "ckpt",
    "data",
    "mnt",
    "workspace",
    "app",
    "tmp",
    "lora",
    "sft",
    "adapter",
    "adapters",
    "merged",
    "export",
}


#: A checkpoint the trainer writes inside a run's output_dir (transformers Trainer
#: `PREFIX_CHECKPOINT_DIR = "checkpoint"` + `-{global_step}`, trainer_utils.py): a reference to it
#: is a reference to that run's output.
_CHECKPOINT = re.compile(r"^checkpoint-\d+$")


@dataclass
class PathRef:
    text: str
    loc: Loc | None
    candidates: set[Path]  # host paths it may denote
    project: Any = None  # the Project, for same-project checks on weak (suffix) matches
    _parts: tuple[str, ...] | None = None
    _home: str | None = None  # the project the reference is written in (``home``)

    def parts(self) -> tuple[str, ...]:
        """The path's components, a trailing `checkpoint-N` dropped (it is its run's output)."""
        if self._parts is None:
            p = PurePosixPath(self.text.replace("\\", "/").rstrip("/"))
            parts = tuple(x for x in p.parts if x not in ("/", ".", ""))
            if len(parts) > 1 and _CHECKPOINT.match(parts[-1]):
                parts = parts[:-1]
            self._parts = parts
        return self._parts

    @property
    def checkpoint(self) -> str | None:
        """The `checkpoint-N` component this reference ends in, if any."""
        p = PurePosixPath(self.text.replace("\\", "/").rstrip("/"))
        return p.name if _CHECKPOINT.match(p.name) and len(p.parts) > 1 else None

    @property
    def leaf(self) -> str:
        """The last path component: two references to one directory always share it."""
        parts = self.parts()
        return parts[-1] if parts else ""

    @property
    def home(self) -> str | None:
        """The root of the project whose file writes the reference (None: no project or no
        location, so a weak match is not confined to one project)."""
        if self._home is None and self.project is not None and self.loc is not None:
            self._home = self.project.boundary.project_of(self.loc.path)
        return self._home


def path_ref(
    project, text: str, loc: Loc | None, base_dir: Path, launch: Launch | None = None
) -> PathRef:
    cache = index(project).refs
    key = (text, base_dir, id(launch) if launch is not None else None, loc)
    hit = cache.get(key)
    if hit is None:
        hit = cache[key] = _path_ref(project, text, loc, base_dir, launch)
    return hit


def _path_ref(
    project, text: str, loc: Loc | None, base_dir: Path, launch: Launch | None = None
) -> PathRef:
    cands: set[Path] = set()
    if launch is not None:
        p = project.local_path(launch, text)
        if p is not None:
            cands.add(Path(os.path.normpath(p)))
    elif text and not text.startswith("~"):
        p = Path(text)
        if p.is_absolute():
            cands.add(Path(os.path.normpath(p)))
        else:
            # relative to the file, or to where the tool runs (LLaMA-Factory resolves output_dir
            # against its working directory): the root of the file's project, or a scanned root
            # inside that project — not the root of a scan of many projects
            cands.add(Path(os.path.normpath(base_dir / p)))
            home = project.boundary.project_of(loc.path) if loc is not None else None
            if home is not None:
                cands.add(Path(os.path.normpath(Path(home) / p)))
            for root, real in index(project).scan_roots():
                if home is None or _within(real, home):
                    cands.add(Path(os.path.normpath(root / p)))
    ref = PathRef(text, loc, cands, project)
    if ref.checkpoint is not None:
        # also the run directory around the checkpoint (where its output_dir points)
        ref.candidates |= {c.parent for c in cands}
    return ref


def _within(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def same_dir(a: PathRef, b: PathRef) -> bool:
    if a.candidates & b.candidates:
        return True
    pa, pb = a.parts(), b.parts()
    n = 0
    while n < min(len(pa), len(pb)) and pa[-1 - n] == pb[-1 - n]:
        n += 1
    matched = pa[len(pa) - n :] if n else ()
    distinctive = [p for p in matched if _distinctive(p)]
    if not distinctive:
        return False  # `lora/sft` alone says nothing
    if not (n >= 2 or (n == 1 and len(distinctive[0]) >= 6 and (len(pa) == 1 or len(pb) == 1))):
        return False
    # A weak (suffix) match only links files of the same project.
    project = a.project or b.project
    if project is not None and a.loc is not None and b.loc is not None:
        if a.project is not None and b.project is not None:
            return a.home == b.home
        return project.same_project(a.loc.path, b.loc.path)
    return True


class RefIndex:
    """Items keyed by the directory a ``PathRef`` names, for ``same_dir`` queries without a
    comparison against every item. A match shares a host path with the query, or is a weak
    (suffix) match: written in the query's project (a weak match never crosses projects), with
    the same components from the last distinctive one on (``_tail``), or the same last one
    where either side is a bare name.
    ``matching`` answers exactly what filtering every item with ``same_dir`` would, in the
    items' order."""

    def __init__(self, items: list[tuple[PathRef, Any]]):
        self.items = items
        self._by_cand: dict[Path, list[int]] = {}
        # (key, project) -> items; project None: the item's weak matches are not confined
        self._tail: dict[tuple[tuple[str, ...], str | None], list[int]] = {}
        self._bare: dict[tuple[str, str | None], list[int]] = {}
        self._leaf: dict[tuple[str, str | None], list[int]] = {}
        # the same without the project, for queries that are not confined
        self._tail_any: dict[tuple[str, ...], list[int]] = {}
        self._bare_any: dict[str, list[int]] = {}
        self._leaf_any: dict[str, list[int]] = {}
        for i, (ref, _x) in enumerate(items):
            for c in ref.candidates:
                self._by_cand.setdefault(c, []).append(i)
            parts = ref.parts()
            if not parts:
                continue  # only a shared host path links it
            leaf, home = parts[-1], _home_key(ref)
            self._leaf.setdefault((leaf, home), []).append(i)
            self._leaf_any.setdefault(leaf, []).append(i)
            if len(parts) == 1:
                self._bare.setdefault((leaf, home), []).append(i)
                self._bare_any.setdefault(leaf, []).append(i)
            else:
                tail = _tail(parts)
                if tail:
                    self._tail.setdefault((tail, home), []).append(i)
                    self._tail_any.setdefault(tail, []).append(i)

    def matching(self, ref: PathRef) -> list[tuple[PathRef, Any]]:
        pool: set[int] = set()
        for c in ref.candidates:
            pool.update(self._by_cand.get(c, ()))
        parts = ref.parts()
        if parts:
            leaf, home, bare = parts[-1], _home_key(ref), len(parts) == 1
            tail = () if bare else _tail(parts)
            if home is None:  # not confined to a project
                pool.update(self._leaf_any.get(leaf, ()) if bare else self._bare_any.get(leaf, ()))
                if tail:
                    pool.update(self._tail_any.get(tail, ()))
            else:
                for h in (home, None):
                    if bare:
                        pool.update(self._leaf.get((leaf, h), ()))
                    else:
                        pool.update(self._bare.get((leaf, h), ()))
                        if tail:
                            pool.update(self._tail.get((tail, h), ()))
        items = self.items
        return [items[i] for i in sorted(pool) if same_dir(items[i][0], ref)]


def _tail(parts: tuple[str, ...]) -> tuple[str, ...]:
    """The components from the last distinctive one on (``()``: none is): two references that
    match on two or more trailing components, one of them distinctive, share it."""
    for k in range(len(parts) - 1, -1, -1):
        if _distinctive(parts[k]):
            return parts[k:]
    return ()


def _distinctive(part: str) -> bool:
    return part.lower() not in GENERIC and len(part) >= 4


def _home_key(ref: PathRef) -> str | None:
    """The project a weak match of ``ref`` stays in (None: it is not confined)."""
    return ref.home if ref.project is not None and ref.loc is not None else None


@dataclass
class AdapterUse:
    kind: str  # "export" | "infer" | "launch" | "python"
    loc: Loc | None
    ref: PathRef
    base: str | None  # the model the adapter is applied to, as written
    owner: Any  # TrainingRun | Launch | PeftOp | ClientCall
    resolved: bool = True  # False: the path has parts the scan cannot see ($VAR, a call ...)

    @property
    def owner_path(self) -> Path:
        return Path(self.owner.loc.path)


class Index:
    """Per-scan lineage caches: path references, training outputs, adapter uses, served
    directories (each kind indexed by the directory it names: ``RefIndex``), answers per
    reference, and the training each launch serves."""

    def __init__(self, project):
        self.project = project
        self.refs: dict = {}
        self._by_project: dict[str, list[Path]] | None = None
        self.exports: dict[int, tuple[PathRef, list]] = {}  # exports_of, per reference
        self._trainings: list[tuple[TrainingRun, PathRef]] | None = None
        self._uses: list[AdapterUse] | None = None
        self._served: RefIndex | None = None
        self.serving: dict[int, tuple[PathRef, list]] = {}  # launches_serving, per reference
        self._uses_index: RefIndex | None = None
        self._trainings_index: RefIndex | None = None
        self._training_for: dict[int, tuple[TrainingRun, str] | None] | None = None
        self._launch_of_run: dict[int, Launch] | None = None
        self._scan_roots: list[tuple[Path, str]] | None = None
        self._naming: dict[str, dict[str, set[Path]]] = {}  # files_naming, per project
        self._outputs_by_project: dict[str, set[str]] | None = None

    def files_of_project(self, root: str) -> list[Path]:
        """The scanned files of the project rooted at ``root`` (link/boundary.py)."""
        if self._by_project is None:
            out: dict[str, list[Path]] = {}
            b = self.project.boundary
            for path in self.project.files:
                out.setdefault(b.project_of(path), []).append(path)
            self._by_project = out
        return self._by_project.get(root, [])

    def trainings(self) -> list[tuple[TrainingRun, PathRef]]:
        if self._trainings is None:
            self._trainings = _lora_trainings(self.project)
        return self._trainings

    def uses(self) -> list[AdapterUse]:
        if self._uses is None:
            self._uses = _adapter_uses(self.project)
        return self._uses

    def scan_roots(self) -> list[tuple[Path, str]]:
        """The scanned roots (a file's directory for a file), each with its real path."""
        if self._scan_roots is None:
            self._scan_roots = []
            for r in self.project.roots:
                root = r if r.is_dir() else r.parent
                try:
                    real = os.path.realpath(root)
                except (OSError, ValueError):
                    real = os.path.abspath(root)
                self._scan_roots.append((root, real))
        return self._scan_roots

    def files_naming(self, root: str, needles: set[str]) -> dict[str, set[Path]]:
        """For each of ``needles``: the files of the project at ``root`` whose text holds it.
        The output paths of the project's LoRA trainings are searched for together on first
        use, each file read once and not kept; other needles cost a pass of their own."""
        found = self._naming.setdefault(root, {})
        todo = {n for n in needles if n not in found}
        if todo:
            if not found:  # first use for this project: the output paths of its LoRA trainings
                if self._outputs_by_project is None:
                    self._outputs_by_project = {}
                    for run, _ref in self.trainings():
                        home = self.project.boundary.project_of(run.loc.path)
                        value = run.get("output_dir")
                        if isinstance(value, str):
                            self._outputs_by_project.setdefault(home, set()).update(_needles(value))
                todo |= self._outputs_by_project.get(root, set())
            from ..location import read_text

            for n in todo:
                found[n] = set()
            for path in self.files_of_project(root):
                try:
                    text = read_text(path)
                except (OSError, ValueError):
                    continue
                for n in todo:
                    if n in text:
                        found[n].add(path)
        return {n: found[n] for n in needles}

    def uses_matching(self, ref: PathRef) -> list[AdapterUse]:
        """The adapter uses that name the directory ``ref`` names (``same_dir``)."""
        if self._uses_index is None:
            self._uses_index = RefIndex([(u.ref, u) for u in self.uses()])
        return [u for _r, u in self._uses_index.matching(ref)]

    def trainings_matching(self, ref: PathRef) -> list[tuple[TrainingRun, PathRef]]:
        """The LoRA trainings whose output directory is the directory ``ref`` names."""
        if self._trainings_index is None:
            self._trainings_index = RefIndex([(o, r) for r, o in self.trainings()])
        return [(run, out_ref) for out_ref, run in self._trainings_index.matching(ref)]

    def launch_running(self, run: TrainingRun) -> Launch | None:
        """The launch that runs a LLaMA-Factory config (`llamafactory-cli api|chat cfg.yaml`)."""
        if self._launch_of_run is None:
            self._launch_of_run = {}
            for launch in self.project.launches:
                t = training_of(launch)
                if t is not None:
                    self._launch_of_run.setdefault(id(t), launch)
        return self._launch_of_run.get(id(run))

    def served(self) -> RefIndex:
        if self._served is None:
            buckets: list[tuple[PathRef, Launch]] = []
            for launch in self.project.launches:
                mr = launch.model
                if mr is None or not mr.resolved:
                    continue
                lref = path_ref(
                    self.project,
                    mr.ref,
                    mr.token.loc if mr.token else None,
                    launch.base_dir,
                    launch,
                )
                if mr.directory is not None:
                    lref.candidates.add(Path(os.path.normpath(mr.directory.path)))
                buckets.append((lref, launch))
            self._served = RefIndex(buckets)
        return self._served

    def training_for(self, launch: Launch) -> tuple[TrainingRun, str] | None:
        if self._training_for is None:
            self._training_for = _training_for_all(self)
        return self._training_for.get(id(launch))


def index(project) -> Index:
    idx = getattr(project, "_lineage", None)
    if idx is None:
        idx = Index(project)
        project._lineage = idx
    return idx


def lora_trainings(project) -> list[tuple[TrainingRun, PathRef]]:
    return index(project).trainings()


def adapter_uses(project) -> list[AdapterUse]:
    return index(project).uses()


def _lora_trainings(project) -> list[tuple[TrainingRun, PathRef]]:
    out = []
    for run in project.trainings:
        if run.role != "train":
            continue
        ftype = str(run.get("finetuning_type") or "lora").lower()
        if ftype not in ("lora", "oft"):
            continue
        od = run.keys.get("output_dir")
        if od is None or not isinstance(od.value, str):
            continue
        out.append((run, path_ref(project, od.value, od.loc, run.loc.path.parent)))
    return out


def _adapter_uses(project) -> list[AdapterUse]:
    uses: list[AdapterUse] = []
    for run in project.trainings:
        a = run.keys.get("adapter_name_or_path")
        if a is None or not isinstance(a.value, str) or run.role == "train":
            continue
        kind = "export" if run.role == "export" else "infer"
        for part in a.value.split(","):
            uses.append(
                AdapterUse(
                    kind,
                    a.loc,
                    path_ref(project, part.strip(), a.loc, run.loc.path.parent),
                    run.get("model_name_or_path"),
                    run,
                    a.resolved and not _unresolved(part),
                )
            )
    for launch in project.launches:
        base = launch.model.ref if launch.model is not None else None
        for _name, tok in project.adapters(launch):
            uses.append(
                AdapterUse(
                    "launch",
                    tok.loc,
                    path_ref(project, tok.text, tok.loc, launch.base_dir, launch),
                    base,
                    launch,
                    tok.resolved and not _unresolved(tok.text),
                )
            )
    for op in project.peft_ops:
        if op.op == "load-adapter" and op.adapter is not None and isinstance(op.adapter.value, str):
            uses.append(
                AdapterUse(
                    "python",
                    op.adapter.loc,
                    path_ref(project, op.adapter.value, op.adapter.loc, op.loc.path.parent),
                    None,
                    op,
                    op.adapter.resolved and not _unresolved(op.adapter.value),
                )
            )
    for call in project.clients:
        lr = call.extra.get("lora_request")
        if lr is not None and isinstance(getattr(lr, "value", None), str):
            base = None
            if call.launch is not None and call.launch.model is not None:
                base = call.launch.model.ref
            uses.append(
                AdapterUse(
                    "launch",
                    lr.loc,
                    path_ref(project, lr.value, lr.loc, call.loc.path.parent),
                    base,
                    call.launch or call,
                    getattr(lr, "resolved", True) and not _unresolved(lr.value),
                )
            )
    return uses


def _unresolved(text: str) -> bool:
    return any(c in text for c in "$`{}") or not text.strip()


def mentions(project, run: TrainingRun, text: str) -> bool:
    """Whether a file of the run's project other than the run's own config names ``text`` (a
    path the run writes): a script or config that does may load, merge or serve it."""
    needles = _needles(text)
    if not needles:
        return False
    own = run.loc.path
    hits = index(project).files_naming(project.boundary.project_of(own), needles)
    return any(path != own for files in hits.values() for path in files)


def _needles(text: str) -> set[str]:
    """What a file naming the path ``text`` holds: the path, or its last two components, or a
    distinctive last component."""
    t = text.strip().rstrip("/")
    if t.startswith("./"):
        t = t[2:]
    parts = [p for p in t.split("/") if p]
    needles = {t} if len(t) >= 6 else set()
    if len(parts) >= 2:
        needles.add("/".join(parts[-2:]))
    elif parts and len(parts[-1]) >= 6 and parts[-1].lower() not in GENERIC:
        needles.add(parts[-1])
    needles.discard("")
    return needles


def exports_of(project, ref: PathRef) -> list[tuple[TrainingRun, PathRef]]:
    """Export runs that merge the adapter at ``ref``, with their export_dir."""
    return _per_ref(index(project).exports, ref, lambda: _exports_of(project, ref))


def _exports_of(project, ref: PathRef) -> list[tuple[TrainingRun, PathRef]]:
    out = []
    for use in index(project).uses_matching(ref):
        if use.kind == "export":
            run = use.owner
            ed = run.keys.get("export_dir")
            if ed is not None and isinstance(ed.value, str):
                out.append((run, path_ref(project, ed.value, ed.loc, run.loc.path.parent)))
    return out


def launches_serving(project, ref: PathRef) -> list[Launch]:
    idx = index(project)
    return _per_ref(idx.serving, ref, lambda: [launch for _r, launch in idx.served().matching(ref)])


def _per_ref(cache: dict[int, tuple[PathRef, list]], ref: PathRef, compute: Any) -> list:
    """``compute()`` once per reference (keyed by identity; the reference is kept so that a
    recycled id is not taken for it)."""
    hit = cache.get(id(ref))
    if hit is None or hit[0] is not ref:
        hit = cache[id(ref)] = (ref, compute())
    return hit[1]


def _training_for_all(idx: Index) -> dict[int, tuple[TrainingRun, str] | None]:
    """For every launch: the LLaMA-Factory run whose output it serves (first match wins, in the
    order: the launch's own inference config, an export merged from a trained adapter, a full
    fine-tune's output directory, an adapter the launch loads, a merged export of one)."""
    project = idx.project
    out: dict[int, tuple[TrainingRun, str] | None] = {}

    def put(launch: Launch, run: TrainingRun, how: str) -> None:
        out.setdefault(id(launch), (run, how))

    trainings = idx.trainings()
    for run in project.trainings:
        if run.role == "export":
            ed = run.keys.get("export_dir")
            if ed is None or not isinstance(ed.value, str):
                continue
            ref = path_ref(project, ed.value, ed.loc, run.loc.path.parent)
            how = f"merged by {run.loc.path.name} into `{ed.value}`"
            source = run
            adapter = run.keys.get("adapter_name_or_path")
            if adapter is not None and isinstance(adapter.value, str):
                aref = path_ref(project, adapter.value, adapter.loc, run.loc.path.parent)
                for train, _out_ref in idx.trainings_matching(aref)[:1]:
                    source = train
                    how += f" from the adapter trained by {train.loc.path.name}"
            for launch in launches_serving(project, ref):
                put(launch, source, how)
        elif run.role == "train":
            od = run.keys.get("output_dir")
            if od is None or not isinstance(od.value, str):
                continue
            ref = path_ref(project, od.value, od.loc, run.loc.path.parent)
            for launch in launches_serving(project, ref):
                put(launch, run, f"trained by {run.loc.path.name} into `{od.value}`")
    for run, out_ref in trainings:
        for use in idx.uses_matching(out_ref):
            if isinstance(use.owner, Launch):
                put(use.owner, run, f"its adapter `{use.ref.text}` comes from {run.loc.path.name}")
        for _exp, exp_ref in exports_of(project, out_ref):
            for launch in launches_serving(project, exp_ref):
                put(launch, run, f"merged from the adapter trained by {run.loc.path.name}")
    return out


def python_saves(project) -> list[PeftOp]:
    return [op for op in project.peft_ops if op.op == "save"]


@dataclass
class AdapterInfo:
    """What is known about an adapter used somewhere: its directory and/or the training run."""

    ref: PathRef
    directory: Any  # ModelDir | None
    training: TrainingRun | None

    @property
    def config(self) -> dict:
        if self.directory is not None:
            return self.directory.json("adapter_config.json")
        return {}

    def base_model(self) -> tuple[str | None, str]:
        """(the model it was trained on, where that is said)."""
        cfg = self.config
        b = cfg.get("base_model_name_or_path")
        if isinstance(b, str) and b:
            return b, "adapter_config.json base_model_name_or_path"
        if self.training is not None:
            m = self.training.get("model_name_or_path")
            if isinstance(m, str):
                return m, f"training config {self.training.loc.path.name} model_name_or_path"
        return None, ""

    def rank(self) -> tuple[int | None, str]:
        cfg = self.config
        r = cfg.get("r")
        if isinstance(r, int):
            pattern = cfg.get("rank_pattern") or {}
            values = (
                [v for v in pattern.values() if isinstance(v, int)]
                if isinstance(pattern, dict)
                else []
            )
            if values and max(values) > r:
                return max(values), "adapter_config.json rank_pattern"
            return r, "adapter_config.json r"
        if self.training is not None:
            lr = self.training.get("lora_rank")
            if isinstance(lr, int):
                return lr, f"training config {self.training.loc.path.name} lora_rank"
            if str(self.training.get("finetuning_type") or "lora") == "lora":
                return 8, "LLaMA-Factory's default lora_rank (8)"
        return None, ""

    def peft_type(self) -> str | None:
        pt = self.config.get("peft_type")
        return pt.upper() if isinstance(pt, str) else None


def adapter_info(project, ref: PathRef) -> AdapterInfo:
    md = None
    for c in sorted(ref.candidates):
        if safe_is_dir(c):
            md = project.model_dir(c)
            if md is not None and md.is_adapter:
                break
            md = None
    training = None
    for run, _out_ref in index(project).trainings_matching(ref):
        training = run
        break
    return AdapterInfo(ref, md, training)


def launch_of_use(project, use: AdapterUse) -> Launch | None:
    """The launch that applies an adapter use: the launch itself, the launch an offline request
    goes to, or — for a LLaMA-Factory inference/export config — the launch that runs the config
    (one is synthesised when the repository never runs it: the config is meant to be run)."""
    owner = use.owner
    if isinstance(owner, Launch):
        return owner
    if isinstance(owner, TrainingRun) and use.kind in ("infer", "export"):
        launch = index(project).launch_running(owner)
        if launch is not None:
            return launch
        from .run_launch import launch_for_run

        return launch_for_run(owner)
    return None
