"""The linked picture of a repository: every file's facts, each launch with its engine version,
model and tokenizer resolved, clients and chat UIs wired to the launches they call, and one
``Deployment`` per serving launch (deploylint/deployment.py) for the rules to read."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..engines.base import NotApplicable
from ..engines.cli import Token
from ..engines.registry import engine_for
from ..facts import (
    ChatUI,
    ClientCall,
    EngineVersion,
    Launch,
    ModelDir,
    ModelRef,
    PeftOp,
    Pin,
    SftRun,
    TrainingRun,
)
from ..location import Loc, safe_resolve
from ..sources import FileFacts
from . import models, network, versions
from .boundary import Boundary

if TYPE_CHECKING:
    from ..deployment import Deployment
    from ..templates.resolve import Prompting


@dataclass
class Project:
    config: Config
    roots: list[Path]
    files: dict[Path, FileFacts] = field(default_factory=dict)
    launches: list[Launch] = field(default_factory=list)
    chat_uis: list[ChatUI] = field(default_factory=list)
    model_dirs: dict[Path, ModelDir] = field(default_factory=dict)
    pins: list[Pin] = field(default_factory=list)
    ui_links: list[tuple[ChatUI, str, Loc, Launch]] = field(default_factory=list)
    clients: list[ClientCall] = field(default_factory=list)
    peft_ops: list[PeftOp] = field(default_factory=list)
    trainings: list[TrainingRun] = field(default_factory=list)
    sft_runs: list[SftRun] = field(default_factory=list)  # fine-tunes in Python code
    deployments: list[Deployment] = field(default_factory=list)
    _loaded_dirs: dict[Path, ModelDir | None] = field(default_factory=dict)
    _prompting: dict[int, Any] = field(default_factory=dict)
    _lineage: Any = None  # lineage.Index, built on first use
    _py_lineage: Any = None  # py_lineage.PyLineage, built on first use
    _local_paths: dict[tuple[Path, str], Path] = field(default_factory=dict)
    _hf_dirs: dict[str, ModelDir | None] = field(default_factory=dict)  # hub id -> cached copy
    _root_bases: list[Path] | None = None
    _gathered: dict[str, list[Any]] = field(default_factory=dict)  # link/network.py gathered
    _service_index: Any = None  # link/network.py _candidate_services
    _boundary: Boundary | None = None
    listed_dirs: dict[str, bool] = field(default_factory=dict)  # discover.Discovery.markers
    _trainings_at: dict[Path, TrainingRun] | None = None
    _deployment_of: dict[int, Deployment] = field(default_factory=dict)
    _model_loads: Any = None  # link.run_launch.model_loads, built on first use
    _tails: dict[tuple[str, ...], list[Path]] | None = None  # files by their last two parts

    # -- the tree -------------------------------------------------------------------------------
    @property
    def boundary(self) -> Boundary:
        if self._boundary is None:
            self._boundary = Boundary(self.roots, self.listed_dirs)
        return self._boundary

    def same_project(self, a: Path, b: Path) -> bool:
        """Do two files belong to one project, so that a weak link (only a shared model id or a
        path suffix) between them means something? (link/boundary.py)"""
        return self.boundary.same_project(a, b)

    def inside_roots(self, path: Path) -> bool:
        p = safe_resolve(path)
        if p is None:
            return False
        if self._root_bases is None:
            self._root_bases = []
            for r in self.roots:
                rr = safe_resolve(r)
                if rr is not None:
                    self._root_bases.append(rr if rr.is_dir() else rr.parent)
        return any(p == base or base in p.parents for base in self._root_bases)

    # -- models and files (link/models.py) ------------------------------------------------------
    def model_dir(self, path: Path) -> ModelDir | None:
        return models.model_dir(self, path)

    def local_path(self, launch: Launch, ref: str) -> Path | None:
        return models.local_path(self, launch, ref)

    def read_linked_text(self, launch: Launch, ref: str) -> tuple[str | None, Path | None]:
        return models.read_linked_text(self, launch, ref)

    def resolve_ref(self, launch: Launch, token: Token | None, ref: str) -> ModelRef:
        return models.resolve_ref(self, launch, token, ref)

    def training_at(self, path: Path) -> TrainingRun | None:
        if self._trainings_at is None:
            self._trainings_at = {
                Path(os.path.normpath(run.loc.path)): run for run in self.trainings
            }
        return self._trainings_at.get(Path(os.path.normpath(path)))

    # -- linking --------------------------------------------------------------------------------
    def link(self) -> None:
        from ..deployment import build_deployments

        self._collect()
        self._dedupe_launches()
        for launch in self.launches:
            launch.version = versions.engine_version(self, launch)
            impl = engine_for(launch.engine)
            if impl is not None:
                path = impl.apply_config_file(self, launch)
                if isinstance(path, Path):
                    launch.config_file = path
            launch.model = models.model_ref(self, launch)
            launch.tokenizer = models.tokenizer_ref(self, launch)
        for run in self.trainings:
            run.version = versions.training_version(self, run)
        network.link_ollama_create(self)
        network.link_chat_uis(self)
        network.link_clients(self)
        self.deployments = build_deployments(self)
        self._deployment_of = {id(d.launch): d for d in self.deployments}

    def deployment_of(self, launch: Launch) -> Deployment | None:
        return self._deployment_of.get(id(launch))

    def _collect(self) -> None:
        by_dir: dict[Path, dict[str, Any]] = {}
        # by path parts: the order of Path comparison, without its per-comparison cost
        for path, ff in sorted(self.files.items(), key=lambda kv: kv[0].parts):
            self.launches.extend(ff.launches)
            self.chat_uis.extend(ff.chat_uis)
            self.pins.extend(ff.pins)
            self.clients.extend(ff.clients)
            self.peft_ops.extend(ff.peft_ops)
            self.trainings.extend(ff.trainings)
            self.sft_runs.extend(ff.sft_runs)
            if ff.kind == "model-file":
                d = by_dir.setdefault(path.parent, {})
                if "json" in ff.data:
                    d[path.name] = ff.data["json"]
                elif "template" in ff.data:
                    d[path.name] = ff.data["template"]
                else:
                    d.setdefault("_errors", []).append(path.name)
        for directory, docs in by_dir.items():
            try:
                names = {p.name for p in directory.iterdir()}
            except OSError:
                names = set(docs)
            md = ModelDir(directory, names)
            for name, doc in docs.items():
                if name == "_errors":
                    continue
                if isinstance(doc, str):
                    md.chat_template_jinja = doc
                else:
                    md.docs[name] = doc
            self.model_dirs[Path(os.path.normpath(directory))] = md

    def _dedupe_launches(self) -> None:
        seen: dict[tuple, Launch] = {}
        order: list[tuple] = []
        for launch in self.launches:
            key = (launch.engine, tuple((t.loc.path, t.loc.line, t.loc.col) for t in launch.tokens))
            prev = seen.get(key)
            if prev is None:
                seen[key] = launch
                order.append(key)
            elif prev.context == "Dockerfile" and launch.context != "Dockerfile":
                seen[key] = launch  # the compose/Kubernetes view knows volumes and env
        self.launches = [seen[k] for k in order]

    # -- versions (link/versions.py) ------------------------------------------------------------
    def library_version(self, package: str, path: Path) -> EngineVersion:
        return versions.library_version(self, package, path)

    # -- served names and adapters --------------------------------------------------------------
    def served_names(self, launch: Launch) -> list[tuple[str, Loc | None]]:
        """The `model` values a request may use to reach this launch's base model."""
        impl = engine_for(launch.engine)
        out = list(impl.served_names(launch)) if impl is not None else []
        if not out and launch.model is not None:
            out.append((launch.model.ref, launch.model.token.loc if launch.model.token else None))
        return out

    def adapters(self, launch: Launch) -> list[tuple[str, Token]]:
        """(name, path token) of the adapters a launch loads at startup (its engine's parser)."""
        impl = engine_for(launch.engine)
        if impl is None:
            return []
        got = impl.adapters(launch)
        if isinstance(got, NotApplicable):
            return []
        return [(a.name, a.path) for a in got]

    def adapter_named(self, launch: Launch, name: str) -> Token | None:
        for n, tok in self.adapters(launch):
            if n == name:
                return tok
        return None

    # -- network (link/network.py) --------------------------------------------------------------
    def endpoint_names(self, launch: Launch) -> tuple[set[str], set[str]]:
        return network.endpoint_names(self, launch)

    def launch_for_url(self, url: str, near: Path | None = None) -> Launch | None:
        return network.launch_for_url(self, url, near)

    # -- chat templates -------------------------------------------------------------------------
    def prompting(self, launch: Launch) -> Prompting:
        """How the engine of ``launch`` builds prompts (templates.resolve.Prompting), cached."""
        key = id(launch)
        if key not in self._prompting:
            from ..templates.resolve import resolve

            self._prompting[key] = resolve(self, launch)
        return self._prompting[key]

    def model_prompting(self, launch: Launch) -> Prompting:
        """The model's own template, as transformers applies it (the reference)."""
        from ..templates.resolve import knowledge_reference, resolve_transformers

        md = launch.model.directory if launch.model is not None else None
        if launch.tokenizer is not None and launch.tokenizer.directory is not None:
            md = launch.tokenizer.directory
        if md is None and launch.model is not None:
            return knowledge_reference(launch.model.ref)
        return resolve_transformers(md)

    def launch_of_use(self, use: Any) -> Launch | None:
        from .lineage import launch_of_use

        return launch_of_use(self, use)

    def training_for(self, launch: Launch) -> tuple[TrainingRun, str] | None:
        """The LLaMA-Factory run whose output this launch serves: (run, how) or None."""
        from .lineage import index

        return index(self).training_for(launch)

    def python_training_for(self, launch: Launch) -> Any:
        """The Python fine-tune whose result this launch serves (py_lineage.Served) or None."""
        from .py_lineage import py_lineage

        return py_lineage(self).served(launch)


__all__ = ["Project"]
