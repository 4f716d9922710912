"""Sources: one module per input format. Each turns one file into facts, knowing nothing of rules.

``parse_file`` dispatches on the file's kind (from discovery) and never raises: problems reading or
parsing become ``Diagnostic`` facts (reported as DPL000).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from ..facts import ChatUI, ClientCall, Diagnostic, Launch, PeftOp, Pin, SftRun, TrainingRun
from ..location import Loc, SourceFile, UndecodableFile

SOURCE_MODULES = {
    "shell": "deploylint.sources.shell_script",
    "dockerfile": "deploylint.sources.dockerfile",
    "compose": "deploylint.sources.compose",
    "yaml": "deploylint.sources.yaml_docs",
    "requirements": "deploylint.sources.pins",
    "pyproject": "deploylint.sources.pins",
    "dotenv": "deploylint.sources.dotenv",
    "model-file": "deploylint.sources.model_files",
    "python": "deploylint.sources.python",
    "notebook": "deploylint.sources.notebook",
    "json": "deploylint.sources.payloads",
    "modelfile": "deploylint.sources.modelfile",
}


@dataclass
class Suppress:
    """A `# deploylint: ignore[...]` comment (deploylint/suppressions.py reads and applies them)."""

    line: int
    codes: tuple[str, ...]  # empty = every code
    reason: str
    loc: Loc
    end_line: int | None = None  # the last line it covers (the statement below it)
    file_level: bool = False  # `ignore-file[...]`: the whole file
    used: set[str] = field(default_factory=set)  # codes that suppressed a finding (this scan)


@dataclass
class FileFacts:
    path: Path
    kind: str
    launches: list[Launch] = field(default_factory=list)
    chat_uis: list[ChatUI] = field(default_factory=list)
    pins: list[Pin] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    suppressions: list[Suppress] = field(default_factory=list)
    clients: list[ClientCall] = field(default_factory=list)
    peft_ops: list[PeftOp] = field(default_factory=list)
    trainings: list[TrainingRun] = field(default_factory=list)
    sft_runs: list[SftRun] = field(default_factory=list)  # fine-tunes in Python code
    # Format-specific facts the linker uses (a Dockerfile's final stage, a .env's variables,
    # a model-directory JSON document, Kubernetes Services ...).
    data: dict[str, Any] = field(default_factory=dict)
    deps: list[Path] = field(default_factory=list)  # other files read while parsing this one


COMMENT_KINDS = {
    "shell",
    "dockerfile",
    "compose",
    "yaml",
    "requirements",
    "pyproject",
    "dotenv",
    "python",
    "modelfile",
}
_MERGE_MARKER = re.compile(r"^(<<<<<<<|>>>>>>>)(?: |$)|^=======$", re.M)


def parse_suppressions(sf: SourceFile) -> list[Suppress]:
    from ..suppressions import parse

    return parse(sf)


def merge_conflict(sf: SourceFile) -> Diagnostic | None:
    m = _MERGE_MARKER.search(sf.text)
    if not m:
        return None
    line, _ = sf.offset_to_linecol(m.start())
    return Diagnostic(
        Loc(sf.path, line, 1, line, len(m.group(0)) + 1),
        "unresolved merge-conflict marker; the file cannot be read as intended",
        anchor=m.group(0),
    )


def parse_file(sf: SourceFile, max_size: int) -> FileFacts:
    facts = FileFacts(sf.path, sf.kind)
    modname = SOURCE_MODULES.get(sf.kind)
    if modname is None:
        return facts
    if sf.size > max_size:
        if sf.kind == "notebook":
            return facts  # outputs make notebooks large; not a deployment file to report
        facts.diagnostics.append(
            Diagnostic(
                Loc(sf.path),
                f"file is {sf.size} bytes, over the {max_size}-byte limit (`max-file-size`); "
                "not read",
                anchor="size",
            )
        )
        return facts
    try:
        text = sf.text
    except UndecodableFile as e:
        facts.diagnostics.append(Diagnostic(Loc(sf.path), f"cannot decode file: {e}", "decode"))
        return facts
    except OSError as e:
        facts.diagnostics.append(
            Diagnostic(Loc(sf.path), f"cannot read file: {e.strerror or e}", "read")
        )
        return facts
    if sf.kind in COMMENT_KINDS:
        facts.suppressions = parse_suppressions(sf)
    if "<<<<<<<" in text or ">>>>>>>" in text:
        d = merge_conflict(sf)
        if d is not None:
            facts.diagnostics.append(d)
            return facts
    mod = import_module(modname)
    try:
        mod.parse(sf, facts)
    except RecursionError:
        facts.diagnostics.append(Diagnostic(Loc(sf.path), "structure nested too deeply", "depth"))
    return facts
