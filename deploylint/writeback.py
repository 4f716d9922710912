"""Writing scanned files back (``--add-suppressions``, ``--fix``): only regular files inside the
scanned roots, never through a symlink, atomically, keeping the file's mode, byte-order mark and
line endings as they were read."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

BOM = "\ufeff"


class WriteRefused(OSError):
    pass


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split on "\\n" only (as line numbers are counted)."""
    if not text:
        return []
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def read_for_edit(path: Path) -> tuple[str, bool]:
    """(text without a BOM, whether it had one)."""
    from .location import decode_text, read_bytes

    data = read_bytes(path)
    text = decode_text(data)
    return text, data.startswith(BOM.encode("utf-8"))


def inside(path: Path, roots: list[Path]) -> bool:
    real = os.path.realpath(path)
    for r in roots:
        root = os.path.realpath(r)
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False


def write_text(path: Path, text: str, roots: list[Path], bom: bool = False) -> None:
    """Replace ``path``'s content. Refused (``WriteRefused``) for a symlink, a file that is not
    regular, or one outside ``roots``."""
    try:
        st = os.lstat(path)
    except OSError as e:
        raise WriteRefused(f"{path}: {e.strerror or e}") from None
    import stat

    if stat.S_ISLNK(st.st_mode):
        raise WriteRefused(f"{path}: a symbolic link; not written")
    if not stat.S_ISREG(st.st_mode):
        raise WriteRefused(f"{path}: not a regular file; not written")
    if roots and not inside(path, roots):
        raise WriteRefused(f"{path}: outside the scanned paths; not written")
    data = ((BOM if bom else "") + text).encode("utf-8")
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".deploylint-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def create_text(path: Path, text: str, roots: list[Path]) -> None:
    """Create a new file (never overwrite one): the exported chat template a fix writes."""
    if roots and not inside(path.parent, roots):
        raise WriteRefused(f"{path}: outside the scanned paths; not written")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
