"""DPL504 architecture-unsupported-by-pin: the model's architecture (config.json, or built-in
knowledge of its hub id) is newer than the engine or library release the repository pins — the
"model type not recognized" failure before it happens. Asked of the engine
(``Engine.architecture_support``) at the release deploylint resolves for the launch."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..engines import releases
from ..engines.base import ArchSupport, Engine, ModelArch, NotApplicable
from ..engines.cli import ParsedArgs
from ..engines.common import version_phrase
from ..engines.registry import engine_for
from ..facts import EngineVersion, Launch, ModelDir, ModelRef
from ..findings import Finding
from ..location import Loc
from ..versions import Specifier, Version
from . import Context

#: The library Python code loads models with (``from_pretrained`` operations come from its
#: recogniser): its pin decides which model types the script can load.
LOADER = "transformers"


def model_arch(md: ModelDir | None, ref: str | None) -> ModelArch | None:
    """The architecture a model declares: its config.json, else built-in knowledge of its id."""
    if md is not None and md.has_config:
        cfg = md.json("config.json")
        archs = cfg.get("architectures")
        names = tuple(a for a in archs if isinstance(a, str)) if isinstance(archs, list) else ()
        mt = cfg.get("model_type")
        return ModelArch(
            names,
            mt if isinstance(mt, str) and mt else None,
            isinstance(cfg.get("auto_map"), dict) and bool(cfg.get("auto_map")),
            f"config.json in {md.path.name}",
        )
    if md is not None or not ref:
        return None
    from ..knowledge import models

    info = models.lookup(ref)
    if info is None or (info.architecture is None and info.model_type is None):
        return None
    return ModelArch(
        (info.architecture,) if info.architecture else (),
        info.model_type,
        bool(info.trust_remote_code_required),
        f"built-in knowledge of {info.id}",
    )


def _arch_citation(ref: str, md: ModelDir | None) -> str | None:
    if md is not None:
        return None
    from ..knowledge import models

    info = models.lookup(ref)
    return info.sources.get("architecture") or info.sources.get("model_type") if info else None


def _phrase(launch: Launch, display: str) -> str:
    v = launch.version
    if v is not None and v.version and v.spec and not v.pinned and Specifier.parse(v.spec):
        return f"{display} {v.version} (the newest release `{v.spec}` allows)"
    return version_phrase(launch)


def _severity(version: EngineVersion) -> str:
    if version.pinned or version.spec:
        return "error"  # an exact pin or tag, or a range whose newest release lacks it
    return "warning"  # nothing pinned: the newest release is assumed


def _where(version: EngineVersion, fallback: Loc) -> Loc:
    return version.loc if version.loc is not None else fallback


def _history(ans: ArchSupport, display: str) -> str:
    if ans.removed and not ans.first:
        return f"{display} {ans.removed} removed it"
    if ans.first:
        return f"{display} knows it from {ans.first}"
    return f"no {display} release read knows it"


def _message(
    ans: ArchSupport, arch: ModelArch, model: str, phrase: str, display: str, v: EngineVersion
) -> str:
    msg = (
        f"{ans.what} of `{model}` ({arch.source}) is not known to {phrase}: "
        f"{_history(ans, display)}, so loading the model fails"
    )
    if ans.note:
        msg += f" ({ans.note})"
    return msg


def _fix(ans: ArchSupport, display: str, package: str) -> str:
    if ans.first:
        return f"pin {package}>={ans.first} (the first {display} release that knows it)"
    if ans.removed:
        return f"pin {package}<{ans.removed}, or serve a model {display} still supports"
    return f"use a {display} release that supports the model"


def _floor(
    engine: Engine, launch: Launch, arch: ModelArch, v: EngineVersion
) -> tuple[str, ArchSupport] | None:
    """(lowest release the range allows, its answer) when that release cannot load the model."""
    if v.pinned or not v.spec:
        return None
    spec = Specifier.parse(v.spec)
    if spec is None:
        return None
    allowed = spec.filter(releases(engine.name))
    if not allowed:
        return None
    low = min(allowed)
    if v.version is not None and Version.parse(v.version) == low:
        return None
    probe = dataclasses.replace(
        launch,
        version=EngineVersion(v.engine, low.text, True, f"the lowest release `{v.spec}` allows"),
    )
    ans = engine.architecture_support(probe, arch)
    if isinstance(ans, NotApplicable) or ans.supported is not False:
        return None
    return low.text, ans


def _findings(
    ctx: Context,
    engine: Engine,
    launch: Launch,
    arch: ModelArch,
    model: str,
    model_loc: Loc,
    seen: set[tuple],
    extra: dict[str, Any],
) -> Iterator[Finding]:
    v = launch.version
    if v is None:
        return
    ans = engine.architecture_support(launch, arch)
    if isinstance(ans, NotApplicable) or ans.supported is None:
        return
    display = engine.display
    package = engine.packages[0] if engine.packages else engine.name
    ev: dict[str, Any] = {
        **extra,
        "model": model,
        "model_location": model_loc,
        "architecture": list(arch.architectures),
        "model_type": arch.model_type,
        "architecture_source": arch.source,
        "engine_version": v.version,
        "engine_version_source": v.source,
    }
    if ans.supported is False:
        where = _where(v, model_loc)
        key: tuple[Any, ...] = (where.path, where.line, ans.what)
        if key in seen:
            return
        seen.add(key)
        ev.update({"first_release": ans.first, "removed_in": ans.removed, "fact": ans.source})
        yield ctx.finding(
            where,
            _message(ans, arch, model, _phrase(launch, display), display, v),
            fix=_fix(ans, display, package),
            evidence=ev,
            severity=_severity(v),
            anchor=f"{ans.what} {v.spec or v.version}",
        )
        return
    low = _floor(engine, launch, arch, v)
    if low is None:
        return
    where = _where(v, model_loc)
    key = (where.path, where.line, ans.what, "floor")
    if key in seen:
        return
    seen.add(key)
    first = low[1].first
    ev.update({"lowest_allowed": low[0], "first_release": first, "fact": low[1].source})
    yield ctx.finding(
        where,
        f"`{package}{v.spec}` allows {display} {low[0]}, which does not know {low[1].what} of "
        f"`{model}` ({arch.source}; {_history(low[1], display)}): a fresh install gets "
        f"{v.version}, which loads it, but an environment that already has an older release "
        "satisfies the requirement and keeps it",
        fix=f"raise the floor: {package}>={first}" if first else _fix(low[1], display, package),
        evidence=ev,
        severity="info",
        anchor=f"floor {ans.what} {v.spec}",
    )


def _served(ctx: Context, seen: set[tuple]) -> Iterator[Finding]:
    for d in ctx.deployments:
        mr = d.model
        if mr is None or not mr.resolved or mr.is_default:
            continue
        md = mr.directory
        if md is not None and md.is_adapter and not md.has_config:
            continue
        arch = model_arch(md, mr.ref)
        if arch is None:
            continue
        yield from _findings(ctx, d.engine, d.launch, arch, mr.ref, d.model_loc, seen, d.evidence())


def _loaded_in_python(ctx: Context, seen: set[tuple]) -> Iterator[Finding]:
    """``from_pretrained`` of a model or processor in Python code, against the library's pin."""
    project = ctx.project
    engine = engine_for(LOADER)
    if engine is None:
        return
    for op in project.peft_ops:
        if op.op != "load-base" or op.what not in ("model", "processor") or op.model is None:
            continue
        ref = op.model.value
        if not isinstance(ref, str) or not op.model.resolved or not ref.strip():
            continue
        fake = Launch(LOADER, "from_pretrained", op.loc, [], ParsedArgs(), "", op.loc.path.parent)
        mr: ModelRef = project.resolve_ref(fake, None, ref)
        if not mr.resolved:
            continue
        arch = model_arch(mr.directory, ref)
        if arch is None:
            continue
        fake.version = project.library_version(LOADER, Path(op.loc.path))
        yield from _findings(
            ctx,
            engine,
            fake,
            arch,
            ref,
            op.model.loc if op.model.loc.line is not None else op.loc,
            seen,
            {
                "loaded_at": op.loc,
                "library": LOADER,
                "architecture_citation": _arch_citation(ref, mr.directory),
            },
        )


def check(ctx: Context) -> Iterator[Finding]:
    seen: set[tuple] = set()
    yield from _served(ctx, seen)
    yield from _loaded_in_python(ctx, seen)
