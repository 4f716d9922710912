"""One ``Deployment`` per serving launch: what the linker worked out about it, in one typed,
immutable view. Rules read deployments (plus clients and trainings) and never name an engine:
each question a rule has is answered here, by the deployment's ``Engine`` (engines/base.py).

Cheap facts are fields, set once by the linker; costly ones (template resolution and rendering,
the stop set, sampling defaults) are computed on first use and kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .engines.base import (
    Adapter,
    AdapterLoading,
    Auth,
    ContextLength,
    Engine,
    Listen,
    ModelArg,
    NotApplicable,
    RemoteCode,
    Setting,
    StopSet,
)
from .engines.common import version_phrase
from .facts import ChatUI, ClientCall, EngineVersion, Launch, ModelDir, ModelRef, TrainingRun
from .location import Loc

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .link.network import Exposure
    from .link.project import Project
    from .templates.resolve import Prompting


@dataclass(frozen=True)
class UILink:
    ui: ChatUI
    url: str
    loc: Loc


@dataclass(frozen=True, eq=False)
class Deployment:
    launch: Launch
    engine: Engine
    version: EngineVersion
    model: ModelRef | None
    tokenizer: ModelRef | None
    adapters: tuple[Adapter, ...]
    served_names: tuple[tuple[str, Loc | None], ...]
    listen: Listen | NotApplicable
    chat_route: str | None
    clients: tuple[ClientCall, ...]
    chat_uis: tuple[UILink, ...]
    project: Project = field(repr=False)

    # -- identity and wording --------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The engine's key (for evidence and fingerprints, never for branching)."""
        return self.engine.name

    @property
    def context(self) -> str:
        return self.launch.context

    @property
    def form(self) -> str:
        return self.launch.form

    @property
    def loc(self) -> Loc:
        return self.launch.loc

    @property
    def phrase(self) -> str:
        """'vLLM 0.6.0' or 'vLLM (version not pinned; 0.33.0, the newest known, assumed)'."""
        return version_phrase(self.launch)

    @property
    def model_loc(self) -> Loc:
        if self.model is not None and self.model.token is not None:
            return self.model.token.loc
        return self.launch.loc

    def fix(self, topic: str, **kw: Any) -> str:
        return self.engine.fix(topic, **kw)

    def evidence(self) -> dict[str, Any]:
        launch = self.launch
        ev: dict[str, Any] = {
            "engine": launch.engine,
            "launch": launch.form,
            "context": launch.context,
            "launch_location": launch.loc,
        }
        if launch.version is not None:
            ev["engine_version"] = launch.version.version
            ev["engine_version_source"] = launch.version.source
        if self.model is not None:
            mr = self.model
            ev["model"] = mr.ref
            if mr.how:
                ev["model_resolution"] = mr.how
            if mr.info is not None:
                ev["model_kind"] = mr.info.kind
                ev["model_kind_confidence"] = mr.info.confidence
                if mr.info.reasons:
                    ev["model_kind_reasons"] = list(mr.info.reasons)
        if launch.notes:
            ev["notes"] = list(launch.notes)
        return ev

    # -- who uses it -----------------------------------------------------------------------------
    @property
    def in_process(self) -> bool:
        """No request can reach it over the network (an in-process engine, an interactive CLI)."""
        return isinstance(self.listen, NotApplicable) and self.chat_route is None

    def chat_calls(self) -> list[ClientCall]:
        return [c for c in self.clients if c.kind == "chat"]

    def completion_calls(self) -> list[ClientCall]:
        return [c for c in self.clients if c.kind != "chat"]

    def selects_adapter(self, call: ClientCall) -> bool:
        """Whether the request's `model` names one of the adapters (not the base model)."""
        model = call.model.value if call.model is not None else None
        return isinstance(model, str) and any(a.name == model for a in self.adapters)

    # -- the model's files -----------------------------------------------------------------------
    @property
    def model_dir(self) -> ModelDir | None:
        return self.model.directory if self.model is not None else None

    @property
    def tokenizer_dir(self) -> ModelDir | None:
        """Where the tokenizer comes from: a separate tokenizer if given and found, else the
        model's directory."""
        if self.tokenizer is not None and self.tokenizer.directory is not None:
            return self.tokenizer.directory
        return self.model_dir

    # -- the engine's answers, computed once -----------------------------------------------------
    @cached_property
    def model_arg(self) -> ModelArg | NotApplicable:
        return self.engine.model_arg(self.launch)

    @cached_property
    def prompting(self) -> Prompting:
        """How the engine builds the prompt from a conversation."""
        return self.project.prompting(self.launch)

    @cached_property
    def reference(self) -> Prompting:
        """The model's own template as transformers applies it."""
        return self.project.model_prompting(self.launch)

    @cached_property
    def training(self) -> tuple[TrainingRun, str] | None:
        """The fine-tuning run whose output this deployment serves, and how that is known."""
        return self.project.training_for(self.launch)

    @cached_property
    def python_training(self) -> Any:
        """The fine-tune in Python code (a TRL / transformers / Unsloth run) whose result this
        deployment serves: a ``link.py_lineage.Served`` (run, the product served, how), or None."""
        return self.project.python_training_for(self.launch)

    @cached_property
    def sampling(self) -> dict[str, Setting]:
        got = self.engine.sampling_defaults(self.project, self.launch, self.model)
        return {} if isinstance(got, NotApplicable) else got

    @cached_property
    def stop_set(self) -> StopSet | NotApplicable:
        md = self.tokenizer_dir
        if md is None:
            return NotApplicable("the model's files are not available")
        return self.engine.stop_set(self.project, self.launch, md)

    @cached_property
    def adapter_loading(self) -> AdapterLoading | NotApplicable:
        return self.engine.adapter_loading(self.launch)

    @cached_property
    def remote_code(self) -> RemoteCode | NotApplicable:
        return self.engine.remote_code(self.launch)

    # -- security and context (issue 12) ---------------------------------------------------------
    @cached_property
    def auth(self) -> Auth | NotApplicable:
        return self.engine.auth(self.launch)

    @cached_property
    def bind(self) -> Setting | NotApplicable:
        return self.engine.bind_address(self.launch)

    @cached_property
    def exposures(self) -> list[Exposure]:
        """How the server's own port is reachable from outside its host or container."""
        from .link.network import exposures

        return exposures(self.project, self.launch)

    @cached_property
    def dtype(self) -> Setting | NotApplicable:
        return self.engine.dtype(self.launch)

    @cached_property
    def refuses_float16(self) -> Mapping[str, tuple[str, str]] | NotApplicable:
        return self.engine.refuses_float16(self.launch)

    @cached_property
    def context_length(self) -> ContextLength | NotApplicable:
        return self.engine.context_length(self.launch)


def build_deployments(project: Project) -> list[Deployment]:
    from .engines.registry import engine_for

    calls: dict[int, list[ClientCall]] = {}
    for call in project.clients:
        if call.launch is not None:
            calls.setdefault(id(call.launch), []).append(call)
    uis: dict[int, list[UILink]] = {}
    for ui, url, loc, target in project.ui_links:
        uis.setdefault(id(target), []).append(UILink(ui, url, loc))
    out = []
    for launch in project.launches:
        impl = engine_for(launch.engine)
        if impl is None or not impl.serves(launch):
            continue
        version = launch.version or EngineVersion(launch.engine, None, False, "not resolved")
        adapters = impl.adapters(launch)
        out.append(
            Deployment(
                launch=launch,
                engine=impl,
                version=version,
                model=launch.model,
                tokenizer=launch.tokenizer,
                adapters=tuple(adapters) if not isinstance(adapters, NotApplicable) else (),
                served_names=tuple(project.served_names(launch)),
                listen=impl.listen(launch),
                chat_route=impl.chat_route(launch),
                clients=tuple(calls.get(id(launch), ())),
                chat_uis=tuple(uis.get(id(launch), ())),
                project=project,
            )
        )
    return out


__all__ = ["Deployment", "UILink", "build_deployments"]
