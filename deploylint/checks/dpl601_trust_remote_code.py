"""DPL601 trust-remote-code: code shipped with a model is allowed to run where the model needs
none (its architecture is native: no `auto_map`), or the code it names lives in another
repository."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..engines.base import Engine, NotApplicable, RemoteCode
from ..facts import Launch, ModelRef
from ..findings import Finding
from ..location import Loc
from . import Context, launch_evidence
from .checkpoint import needs_remote_code


def _subjects(
    ctx: Context,
) -> Iterator[tuple[Launch, Engine, ModelRef | None, str, bool, bool]]:
    """(launch, engine, model, what it is, whether it serves requests over the network, whether
    other machines can reach it)."""
    for d in ctx.deployments:
        who = "the server" if not d.in_process else "the process that loads it"
        reachable = not d.in_process and any(e.beyond_host for e in d.exposures)
        yield d.launch, d.engine, d.model, who, not d.in_process, reachable
    from ..link.run_launch import launch_for_run, model_loads

    for ld in model_loads(ctx.project):
        yield ld.launch, ld.engine, ld.launch.model, "the script", False, False
    from ..engines.registry import engine_for

    for run in ctx.project.trainings:
        launch = launch_for_run(run)
        impl = engine_for(launch.engine)
        if impl is None:
            continue
        ref = run.get("model_name_or_path")
        if not isinstance(ref, str) or not ref or not _enabled(impl, launch):
            continue
        launch.model = ctx.project.resolve_ref(launch, None, ref)
        yield launch, impl, launch.model, f"the {run.role} run", False, False


def _enabled(engine: Engine, launch: Launch) -> bool:
    rc = engine.remote_code(launch)
    return isinstance(rc, RemoteCode) and rc.enabled


def check(ctx: Context) -> Iterator[Finding]:
    done: set[tuple[Any, ...]] = set()
    for launch, engine, model, what, serving, reachable in _subjects(ctx):
        rc = engine.remote_code(launch)
        if isinstance(rc, NotApplicable) or not isinstance(rc, RemoteCode) or not rc.enabled:
            continue
        if model is None:
            continue
        known = needs_remote_code(model, ctx.project, launch)
        if known is None:
            continue
        loc: Loc = rc.loc or launch.loc
        # one finding per place; and per model and file for in-process loads (a model and its
        # tokenizer)
        here = (loc.path, loc.line, loc.col, model.ref)
        per_file = (loc.path, model.ref)
        if here in done or (not serving and per_file in done):
            continue
        done.update((here, per_file))
        ev: dict[str, Any] = launch_evidence(launch)
        ev.update({"model": model.ref, "remote_code": rc.source, "model_code": known.source})
        if known.extra.get("citation"):
            ev["model_code_source"] = known.extra["citation"]
        if model.how:
            ev["model_resolution"] = model.how
        foreign = known.extra.get("foreign") or []
        if known.value is True:
            if not foreign:
                continue  # the model needs its code: the flag is required
            ev["auto_map"] = [f"{f}: {c} -> {r}" for f, c, r in known.extra["auto_map"]]
            yield ctx.finding(
                loc,
                f"{rc.source} runs code for `{model.ref}` that its `auto_map` takes from another "
                f"repository ({', '.join(foreign)}): whoever controls that repository runs code "
                f"with the rights of {what}",
                fix="pin the code: copy the modules into the model directory (or pin `revision=` "
                "of both repositories) and review them before enabling remote code",
                evidence=ev,
                severity="warning",
                anchor=f"foreign auto_map {model.ref}",
            )
            continue
        hard_coded = rc.loc is None
        if hard_coded and not reachable:
            continue  # nothing written to remove; worth a note only for a reachable server
        severity = "warning" if serving and not hard_coded else "info"
        if hard_coded:
            msg = (
                f"{rc.source}: `{model.ref}` needs no code of its own ({known.source}), yet any "
                "checkpoint this launch loads may run its code"
            )
            fix = "upgrade to a release where remote code is off by default"
        else:
            msg = (
                f"{rc.source} for `{model.ref}`, which needs no code of its own ({known.source}): "
                f"the flag does nothing today, and lets a replaced or updated checkpoint run its "
                f"own code with the rights of {what}"
            )
            fix = "remove it (the architecture loads natively)"
        yield ctx.finding(
            loc,
            msg,
            fix=fix,
            evidence=ev,
            severity=severity,
            anchor=f"remote code {model.ref}",
        )
