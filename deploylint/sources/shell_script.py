"""Shell scripts: launch commands with variables resolved from the script itself."""

from __future__ import annotations

from ..facts import Diagnostic
from ..location import Aligner, SourceFile
from ..shell import Env
from . import FileFacts
from .commands import CommandError, LaunchContext, file_budget, launches_from_script
from .pins import pins_from_commands


def parse(sf: SourceFile, facts: FileFacts) -> None:
    with file_budget(sf.path, facts.diagnostics):
        _parse(sf, facts)


def _parse(sf: SourceFile, facts: FileFacts) -> None:
    text = sf.text
    aligner = Aligner(sf.path, text, 0, len(text), text)
    ctx = LaunchContext(sf.path, "shell script", sf.path.parent, Env())
    try:
        facts.launches.extend(launches_from_script(text, aligner, ctx))
    except CommandError as e:
        facts.diagnostics.append(Diagnostic(e.loc, f"cannot parse shell: {e}", str(e)))
        return
    facts.pins.extend(pins_from_commands(sf, "shell"))
