"""Shell scripts: launch commands with variables resolved from the script itself."""

from __future__ import annotations

import os
import re
from dataclasses import replace

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
    _heredoc_modelfiles(sf, facts)


# `cat > Modelfile <<'EOF'` / `cat <<EOF > path/Modelfile` / `tee Modelfile <<EOF`: a Modelfile
# written by the script. The body is read as a Modelfile where it stands in the script.
_HEREDOC = re.compile(
    r"^[ \t]*(?:(?:cat|tee)\b[^\n<]*?<<(-?)[ \t]*(['\"]?)(\w+)\2(?P<after>[^\n]*))$", re.M
)
_TARGET = re.compile(r"(?:>|\btee\s+(?:-a\s+)?)\s*(['\"]?)([^\s'\";|&<>]+)\1")


def _heredoc_modelfiles(sf: SourceFile, facts: FileFacts) -> None:
    from . import modelfile

    text = sf.text
    if "<<" not in text:
        return
    for m in _HEREDOC.finditer(text):
        strip_tabs, delim = m.group(1) == "-", m.group(3)
        line = m.group(0)
        target = _TARGET.search(line)
        name = target.group(2) if target else ""
        body_start = m.end() + 1
        end = body_start
        while end < len(text):
            nl = text.find("\n", end)
            row = text[end : len(text) if nl == -1 else nl]
            check = row.lstrip("\t") if strip_tabs else row
            if check.rstrip("\r") == delim:
                break
            end = len(text) if nl == -1 else nl + 1
        body = text[body_start:end]
        looks = _MODELFILE_NAME.search(name.rsplit("/", 1)[-1]) or _MODELFILE_BODY.search(body)
        if not looks:
            continue
        # The script with everything but the body blanked: offsets and lines stay the script's.
        masked = "".join(c if c == "\n" else " " for c in text[:body_start]) + body
        masked += "".join(c if c == "\n" else " " for c in text[end:])
        sub = SourceFile(sf.path, "modelfile", len(masked), masked)
        inner = FileFacts(sf.path, "modelfile")
        modelfile.parse(sub, inner)
        for launch in inner.launches:
            launch.context = f"Modelfile written by {sf.path.name} (here-document)"
            if name and "$" not in name:
                written = os.path.normpath(sf.path.parent / name)
                launch.origin = replace(launch.origin, written_to=written)
            facts.launches.append(launch)
        facts.diagnostics.extend(inner.diagnostics)


_MODELFILE_NAME = re.compile(r"^(?:Modelfile(?:[.\-_][\w.\-]+)?|[\w.\-]+\.modelfile)$", re.I)
_MODELFILE_BODY = re.compile(
    r"^\s*FROM\s+\S+.*?^\s*(?:TEMPLATE|PARAMETER|SYSTEM|ADAPTER|MESSAGE)\b", re.M | re.S
)
