"""Jupyter notebooks (``.ipynb``): the Python code cells, read as one Python module.

Fine-tunes are often written in notebooks (Colab, Kaggle): the formatting function, the trainer
and ``save_pretrained`` sit in code cells. The code cells of a notebook whose kernel is Python are
joined in order (a notebook runs top to bottom) and read by the Python source
(``sources/python``) exactly as a script; nothing is executed.

* Locations point into the ``.ipynb`` file itself: nbformat writes each line of a cell's source
  as one JSON string on its own line, so a finding's line is that line of the file and its
  column the position inside the string (JSON escapes counted).
* IPython syntax is left out: a line magic or shell escape (``%pip``, ``!ls``) becomes an empty
  line, a cell magic (``%%bash``) drops its cell, and a cell that still does not parse as Python
  is skipped, without a finding (a notebook is not a deployment file to report as unparseable).
* Bounded: notebooks over the file-size limit are not read (silently: outputs make notebooks
  large), at most ``MAX_CELLS`` cells.
"""

from __future__ import annotations

import ast
import json
import warnings
from dataclasses import dataclass
from typing import Any

from ..location import Loc, SourceFile
from . import FileFacts

MAX_CELLS = 2000


@dataclass(frozen=True)
class Line:
    """Where one line of code sits in the notebook file."""

    file_line: int  # 1-based line of the .ipynb file
    content_col: int  # 0-based column of the first character of the string's content
    text: str  # the code line
    ascii: bool  # the file escapes non-ASCII characters (\\uXXXX)


def parse(sf: SourceFile, facts: FileFacts) -> None:
    from .python import KEYWORDS

    text = sf.text
    if not any(k in text for k in KEYWORDS):
        return
    try:
        nb = json.loads(text)
    except (ValueError, RecursionError):
        return
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return
    if not _python_kernel(nb):
        return
    code, lines = _code_of(text, nb["cells"][:MAX_CELLS])
    if not code.strip():
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(code, filename=str(sf.path))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return
    from .python import analyse
    from .python.evaluator import Evaluator

    class NotebookEvaluator(Evaluator):
        def loc(self, node: ast.AST) -> Loc:
            return _map(super().loc(node), lines)

    analyse(facts, tree, NotebookEvaluator(sf, code, facts))


def _python_kernel(nb: dict[str, Any]) -> bool:
    meta = nb.get("metadata")
    if not isinstance(meta, dict):
        return True
    lang = None
    ks = meta.get("kernelspec")
    if isinstance(ks, dict):
        lang = ks.get("language")
    li = meta.get("language_info")
    if lang is None and isinstance(li, dict):
        lang = li.get("name")
    return lang is None or (isinstance(lang, str) and lang.lower().startswith("python"))


def _code_of(raw: str, cells: list[Any]) -> tuple[str, list[Line | None]]:
    """The code cells as one module, and for each of its lines where it is in the file."""
    out: list[str] = []
    where: list[Line | None] = []
    pos = 0
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        src = cell.get("source")
        parts: list[str]
        if isinstance(src, list) and all(isinstance(s, str) for s in src):
            parts = src
        elif isinstance(src, str):
            parts = [src]
        else:
            continue
        # Find the cell's strings in the file, in order, so that each line has a location.
        start = raw.find('"source"', pos)
        if start >= 0:
            pos = start
        located: list[Line | None] = []
        for s in parts:
            hit = _locate(raw, s, pos)
            pieces = s.split("\n")
            if s.endswith("\n"):
                pieces = pieces[:-1]
            if hit is None:
                located.extend([None] * len(pieces))
                continue
            offset, ascii_mode = hit
            file_line = raw.count("\n", 0, offset) + 1
            col0 = offset - (raw.rfind("\n", 0, offset) + 1) + 1
            pos = offset + 1
            if len(pieces) == 1:
                located.append(Line(file_line, col0, pieces[0], ascii_mode))
            else:  # several lines in one JSON string: only the first is placed exactly
                located.append(Line(file_line, col0, pieces[0], ascii_mode))
                located.extend(Line(file_line, col0, "", ascii_mode) for _ in pieces[1:])
        if cell.get("cell_type") != "code":
            continue
        code_lines = "".join(parts).split("\n")
        if code_lines and code_lines[0].lstrip().startswith("%%"):
            continue  # a cell magic: not Python
        cleaned = [("" if ln.lstrip().startswith(("%", "!")) else ln) for ln in code_lines]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse("\n".join(cleaned))
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        for i, ln in enumerate(cleaned):
            out.append(ln)
            where.append(located[i] if i < len(located) else None)
    return "\n".join(out) + "\n", where


def _locate(raw: str, s: str, pos: int) -> tuple[int, bool] | None:
    for ascii_mode in (False, True):
        enc = json.dumps(s, ensure_ascii=ascii_mode)
        i = raw.find(enc, pos)
        if i >= 0:
            return i, ascii_mode
    return None


def _escaped_len(text: str, ascii_mode: bool) -> int:
    return len(json.dumps(text, ensure_ascii=ascii_mode)) - 2


def _map(loc: Loc, lines: list[Line | None]) -> Loc:
    """A location in the joined code → the same place in the .ipynb file."""
    if loc.line is None:
        return loc

    def one(line: int, col: int | None) -> tuple[int, int | None] | None:
        if not 0 < line <= len(lines):
            return None
        ln = lines[line - 1]
        if ln is None:
            return None
        if col is None:
            return ln.file_line, None
        prefix = ln.text[: max(col - 1, 0)]
        return ln.file_line, ln.content_col + _escaped_len(prefix, ln.ascii) + 1

    start = one(loc.line, loc.col)
    if start is None:
        return Loc(loc.path)
    end = one(loc.end_line, loc.end_col) if loc.end_line is not None else None
    if end is None:
        return Loc(loc.path, start[0], start[1], start[0], (start[1] or 1) + 1)
    return Loc(loc.path, start[0], start[1], end[0], end[1])
