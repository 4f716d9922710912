"""Source files and locations.

Lines and columns are 1-based; ``end_col`` is exclusive (the column after the last character),
as in SARIF. A location with ``line is None`` is about a whole file or directory.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import functools
import os
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Loc:
    path: Path
    line: int | None = None
    col: int | None = None
    end_line: int | None = None
    end_col: int | None = None

    @classmethod
    def whole(cls, path: Path) -> Loc:
        return cls(path)

    def span(self, text_len: int) -> Loc:
        """The same start with an end ``text_len`` characters later on the same line."""
        if self.line is None or self.col is None:
            return self
        return Loc(self.path, self.line, self.col, self.line, self.col + max(text_len, 1))

    def through(self, other: Loc) -> Loc:
        """From this location's start to the end of ``other``, on this location's line.

        Only a forward span is ever made: where ``other`` is in another file, has no position,
        starts before this location (a word synthesised at an earlier column: a Helm value points
        at its key), or does not end on this line, this location is returned unchanged. So the
        end never precedes the start, and the span never shrinks below this location's own.
        """
        if self.line is None or self.col is None:
            return self
        if other.path != self.path or other.line != self.line or other.col is None:
            return self
        if other.col < self.col or other.end_col is None:
            return self
        if other.end_line is not None and other.end_line != self.line:
            return self
        own_end = self.end_col if self.end_line == self.line and self.end_col is not None else 0
        end = max(other.end_col, own_end, self.col + 1)
        if end == self.end_col and self.end_line == self.line:
            return self
        return Loc(self.path, self.line, self.col, self.line, end)

    def __str__(self) -> str:
        if self.line is None:
            return str(self.path)
        if self.col is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.col}"


class SourceFile:
    """A scanned file: its path, decoded text (read once, lazily) and line index."""

    __slots__ = ("path", "kind", "size", "_text", "_lines", "_line_starts", "error")

    def __init__(self, path: Path, kind: str, size: int = 0, text: str | None = None):
        self.path = path
        self.kind = kind
        self.size = size
        self._text = text
        self._lines: list[str] | None = None
        self._line_starts: list[int] | None = None
        self.error: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            # The size was checked against `max-file-size` when the file was found; a file that
            # grew since (or reports a size it does not have) is not read past that.
            self._text = read_text(self.path, max(self.size, READ_LIMIT))
        return self._text

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    def line_text(self, line: int | None) -> str:
        if line is None or line < 1 or line > len(self.lines):
            return ""
        return self.lines[line - 1]

    def offset_to_linecol(self, offset: int) -> tuple[int, int]:
        if self._line_starts is None:
            starts = [0]
            text = self.text
            i = text.find("\n")
            while i != -1:
                starts.append(i + 1)
                i = text.find("\n", i + 1)
            self._line_starts = starts
        import bisect

        idx = bisect.bisect_right(self._line_starts, offset) - 1
        return idx + 1, offset - self._line_starts[idx] + 1


class UndecodableFile(ValueError):
    pass


#: Most bytes ``read_text`` reads unless told otherwise (above the default ``max-file-size``).
READ_LIMIT = 8 * 1024 * 1024


def read_bytes(path: Path, limit: int = READ_LIMIT) -> bytes:
    """The bytes of a regular file, at most ``limit`` of them.

    Never blocks and never reads without bound: the file is opened non-blocking (a FIFO named like
    a deployment file cannot hang the scan), anything but a regular file is refused (``/dev/zero``
    behind a symlink, a socket), and a file longer than ``limit`` (one that grew after it was
    measured, or a ``/proc`` file that reports size 0) is refused after reading ``limit + 1``
    bytes. Raises ``OSError``.
    """
    data = _overlaid(path)
    if data is not None:
        if len(data) > limit:
            raise OSError(errno.EFBIG, f"file is larger than {limit} bytes", str(path))
        return data
    fd = os.open(path, _READ_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        size = st.st_size
        if size > limit:
            raise OSError(errno.EFBIG, f"file is larger than {limit} bytes", str(path))
        chunk = os.read(fd, size + 1)  # the whole file, and the end of it, in one call
        parts = [chunk]
        total = len(chunk)
        while chunk and total <= limit:  # it grew, reports a wrong size, or read came short
            chunk = os.read(fd, min(max(size, 1 << 16), limit + 1 - total))
            parts.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:
        raise OSError(errno.EFBIG, f"file is larger than {limit} bytes", str(path))
    return parts[0] if len(parts) == 2 and not parts[1] else b"".join(parts)


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


# -- files as a fix would leave them (deploylint/fix/engine.py) ----------------------------------
#
# A fix is verified by scanning the tree as it would be after the fix, without writing anything:
# the changed and created files are read from this overlay (``read_bytes`` and the ``safe_*``
# look-ups below consult it); everything else comes from the disk.

_OVERLAY: contextvars.ContextVar[dict[str, bytes] | None] = contextvars.ContextVar(
    "deploylint_file_overlay", default=None
)


@contextlib.contextmanager
def file_overlay(files: dict[Path, str]):
    """Within the block, ``files`` read as these texts (and exist, for a created file)."""
    data = {os.path.abspath(p): t.encode("utf-8") for p, t in files.items()}
    token = _OVERLAY.set(data)
    try:
        yield
    finally:
        _OVERLAY.reset(token)


def _overlaid(path: Path | str) -> bytes | None:
    table = _OVERLAY.get()
    if not table:
        return None
    try:
        return table.get(os.path.abspath(path))
    except (TypeError, ValueError):
        return None


def read_text(path: Path, limit: int = READ_LIMIT) -> str:
    return decode_text(read_bytes(path, limit))


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def decode_text(data: bytes) -> str:
    """A file's bytes as text: UTF-8, or the encoding its byte-order mark names (pip and Python
    read UTF-16/32 requirement files by their BOM: pip/_internal/utils/encoding.py auto_decode);
    UndecodableFile for binary or bad text."""
    for bom, codec in _BOMS:
        if data.startswith(bom) and codec != "utf-8-sig":
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as e:
                raise UndecodableFile(f"invalid {codec} at byte {e.start + len(bom)}") from None
            if "\x00" in text[:8192]:
                raise UndecodableFile("binary file (NUL characters)")
            return text
    if b"\x00" in data[:8192]:
        raise UndecodableFile("binary file (NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise UndecodableFile(f"invalid UTF-8 at byte {e.start} (line {line})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


# -- the file system at paths built from scanned text ----------------------------------------------
#
# A model reference, a volume source or an alias read from a scanned file becomes a path; asking
# the file system about it must answer "not there", never raise: the name may be too long for a
# file name (ENAMETOOLONG), run through a symlink loop (ELOOP), a directory this user may not
# enter (EACCES), or hold a NUL (ValueError). ``Path.exists``/``is_dir``/``is_file`` raise for
# some of these, and ``Path.resolve`` raises RuntimeError for a loop.


def _stat(path: Path | str) -> os.stat_result | None:
    data = _overlaid(path)
    if data is not None:  # a file a fix creates or changes
        return os.stat_result((stat.S_IFREG | 0o644, 0, 0, 1, 0, 0, len(data), 0, 0, 0))
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def safe_exists(path: Path | str) -> bool:
    """``Path.exists`` that is False, not an error, for a path the file system cannot look up."""
    return _stat(path) is not None


def safe_is_dir(path: Path | str) -> bool:
    """``Path.is_dir`` that is False, not an error, for a path the file system cannot look up."""
    st = _stat(path)
    return st is not None and stat.S_ISDIR(st.st_mode)


def safe_is_file(path: Path | str) -> bool:
    """``Path.is_file`` that is False, not an error, for a path the file system cannot look up."""
    st = _stat(path)
    return st is not None and stat.S_ISREG(st.st_mode)


def safe_resolve(path: Path) -> Path | None:
    """``Path.resolve``, or None for a path the file system cannot look up."""
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):  # RuntimeError: a symlink loop
        return None


def display_path(path: Path, cwd: Path | None = None) -> str:
    """Path relative to the current directory with '/' separators (absolute if outside)."""
    return _display_path(path, cwd or Path.cwd())


@functools.lru_cache(maxsize=65536)
def _display_path(path: Path, cwd: Path) -> str:
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:
        rel = str(path)
    if rel == ".":
        return "."
    if rel.startswith(".."):
        # Keep short relative paths to siblings; use the absolute path when far away.
        if rel.count("..") > 3:
            rel = str(path)
    return rel.replace(os.sep, "/")


class Aligner:
    """Maps offsets in a processed value (unquoted, unescaped, folded) back to the source text.

    The value's characters are aligned greedily with the source slice ``text[start:end]``; good
    enough to point at a flag inside a quoted shell word or a YAML block scalar.
    """

    __slots__ = ("path", "text", "start", "end", "value", "_align", "_starts")

    def __init__(self, path: Path, text: str, start: int, end: int, value: str):
        self.path = path
        self.text = text
        self.start = start
        self.end = min(end, len(text))
        self.value = value
        self._align: list[int] | None = None
        self._starts: list[int] | None = None

    def _build(self) -> list[int]:
        src = self.text[self.start : self.end]
        if src == self.value:
            return list(range(len(src)))
        out: list[int] = []
        j = 0
        if src[:1] in "|>":  # YAML block scalar indicator line
            nl = src.find("\n")
            j = nl + 1 if nl != -1 else len(src)
        n = len(src)
        find = src.find
        for ch in self.value:
            k = find(ch, j, j + 256)  # (an end past the text is clamped)
            if k != -1:
                out.append(k)
                j = k + 1
            else:
                out.append(min(j, max(n - 1, 0)))
        return out

    def _linecol(self, abs_off: int) -> tuple[int, int]:
        if self._starts is None:
            starts = [0]
            t = self.text
            i = t.find("\n")
            while i != -1:
                starts.append(i + 1)
                i = t.find("\n", i + 1)
            self._starts = starts
        import bisect

        idx = bisect.bisect_right(self._starts, abs_off) - 1
        return idx + 1, abs_off - self._starts[idx] + 1

    def pos(self, offset: int) -> tuple[int, int]:
        if self._align is None:
            self._align = self._build()
        if not self._align:
            return self._linecol(self.start)
        offset = max(0, min(offset, len(self._align) - 1))
        return self._linecol(self.start + self._align[offset])

    def loc(self, start: int, end: int) -> Loc:
        line, col = self.pos(start)
        if end > start:
            eline, ecol = self.pos(end - 1)
            if eline == line:
                return Loc(self.path, line, col, eline, ecol + 1)
        return Loc(self.path, line, col, line, col + 1)

    def sub(self, start: int, end: int, value: str) -> Aligner:
        """An aligner for a piece of the value (e.g. one word of a script held in the value)."""
        if self._align is None:
            self._align = self._build()
        if not self._align:
            child = Aligner(self.path, self.text, self.start, self.end, value)
        else:
            s = self.start + self._align[max(0, min(start, len(self._align) - 1))]
            e = self.start + self._align[max(0, min(end - 1, len(self._align) - 1))] + 1
            child = Aligner(self.path, self.text, s, e, value)
        if self._starts is None:
            self._linecol(self.start)
        child._starts = self._starts
        return child
