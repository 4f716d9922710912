"""A LLaMA-Factory config that the repository never runs still describes how it will be run:
`llamafactory-cli api|export CONFIG`. The linker synthesises that launch when a question needs
the engine's answer (its adapter loading, its version)."""

from __future__ import annotations

from ..engines.cli import ParsedArgs
from ..facts import Launch, TrainingRun


def launch_for_run(run: TrainingRun) -> Launch:
    form = "llamafactory-cli export" if run.role == "export" else "llamafactory-cli api"
    launch = Launch(
        "llamafactory",
        form,
        run.loc,
        [],
        ParsedArgs(),
        f"{run.loc.path.name} (a LLaMA-Factory {run.role} config)",
        run.loc.path.parent,
        extra={"training": run},
    )
    launch.version = run.version
    return launch
