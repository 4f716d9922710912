"""Files of a Hugging Face model directory (config.json, generation_config.json,
tokenizer_config.json, special_tokens_map.json, adapter_config.json, chat_template.json/.jinja …).

Each file is parsed on its own; the linker groups them into a ``ModelDir`` per directory.
tokenizer.json / vocab files are never read here (presence by name only).
"""

from __future__ import annotations

from pathlib import Path

from .. import jsonutil
from ..discover import MODEL_DIR_FILES
from ..facts import Diagnostic, ModelDir
from ..location import Loc, SourceFile, UndecodableFile, read_text
from ..safefs import may_read
from . import FileFacts
from .shapes import MODEL_JSON as MODEL_JSON_SHAPES
from .shapes import check_json


def parse(sf: SourceFile, facts: FileFacts) -> None:
    name = sf.path.name.lower()
    if name.endswith(".jinja"):
        facts.data["template"] = sf.text
        return
    try:
        doc = jsonutil.parse(sf.path, sf.text)
    except jsonutil.JsonError as e:
        facts.diagnostics.append(
            Diagnostic(Loc(sf.path, e.line, e.col, e.line, e.col + 1), f"invalid JSON: {e}", str(e))
        )
        return
    spec = MODEL_JSON_SHAPES.get(name)
    if spec is not None:  # wrong-shaped values reported and removed first (shapes.py)
        facts.diagnostics.extend(check_json(doc, spec, name))
    facts.data["json"] = doc


# Files read when a directory is loaded on demand (outside the scanned tree).
MODEL_JSON = tuple(sorted(n for n in MODEL_DIR_FILES if n.endswith(".json")))
MAX_MODEL_JSON = 8 * 1024 * 1024


def load_dir(path: Path) -> ModelDir | None:
    """Read a model directory that was not part of the scan (HF cache, referenced path).
    None outside the scanned tree and the trusted locations (safefs.py)."""
    if not may_read(path):
        return None
    try:
        names = {p.name for p in path.iterdir()}
    except (OSError, ValueError):  # ValueError: a NUL in a referenced path
        return None
    md = ModelDir(path, names)
    for n in MODEL_JSON:
        if n not in names:
            continue
        f = path / n
        try:
            if f.stat().st_size > MAX_MODEL_JSON:
                continue
            doc = jsonutil.parse(f, read_text(f))
        except (OSError, UndecodableFile, jsonutil.JsonError):
            continue
        if n in MODEL_JSON_SHAPES:
            check_json(doc, MODEL_JSON_SHAPES[n], n)  # outside the scan: removed, not reported
        md.docs[n] = doc
    if "chat_template.jinja" in names:
        try:
            md.chat_template_jinja = read_text(path / "chat_template.jinja")
        except (OSError, UndecodableFile):
            pass
    return md
