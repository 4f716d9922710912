"""The scanned tree is a jail: what deploylint reads while it scans, and how it writes its cache.

Reading. While a scan runs (:func:`confined`), every file deploylint opens through
``location.read_bytes`` and every directory the linker lists must lie, once symlinks are
resolved, under

* one of the scanned roots (a directory given on the command line; for a file, the directory it
  is in; for ``check``, the repository's top level), or
* a trusted location the user chose: the Hugging Face hub cache (``HF_HUB_CACHE``, else
  ``HF_HOME/hub``, else ``~/.cache/huggingface/hub``), where ``transformers`` itself reads models
  from. It is the user's machine's cache, not the repository's; the repository only names a model
  id, and only ids shaped like Hub ids are looked up there.

Anything else is refused (``OutsideTree``, an ``OSError``): a symlink in the tree that points at
``~/.ssh``, ``/proc/self/environ`` or a secrets file is skipped (not a finding; ``--verbose``
lists it), never opened; a model path,
``--chat-template`` file, ``env_file`` or ``[tool.deploylint.models]`` alias naming a place outside
the tree is "not in the repository". The check resolves symlinks before opening (a race with a
process that swaps a path while deploylint runs is out of scope: the tree is static input).

Discovery does not descend directory symlinks: one that stays inside the tree points at files
scanned under their own path anyway (and a link to a parent would loop), one that leaves is
skipped as above. Special files in the tree (FIFOs, sockets, devices) are reported and never
opened.

Writing. A scan writes only deploylint's cache (``--fix`` and ``--add-suppressions`` rewrite
scanned files when asked: regular files inside the roots, never through a symlink, writeback.py).
The cache directory is refused when it is a symlink
or not owned by the user (then the user's cache home is used), files are created with
``O_EXCL | O_NOFOLLOW`` relative to a directory opened with ``O_NOFOLLOW``, and replaced by
rename inside that directory: nothing is ever written through a symlink.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "Jail",
    "OutsideTree",
    "active",
    "confined",
    "hf_hub_cache",
    "may_read",
]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC


class OutsideTree(OSError):
    """A path outside the scanned tree (and outside the trusted locations) was to be read."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(errno.EACCES, "outside the scanned tree (not read)", os.fspath(path))


def _real(path: str | os.PathLike) -> str | None:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError, RuntimeError):
        return None


def _under(real: str, bases: tuple[str, ...]) -> bool:
    for b in bases:
        if real == b or real.startswith(b if b.endswith(os.sep) else b + os.sep):
            return True
    return False


def hf_hub_cache() -> Path:
    """Where ``huggingface_hub`` keeps downloaded repositories (its own resolution order)."""
    hub = os.environ.get("HF_HUB_CACHE")
    if hub:
        return Path(hub)
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "huggingface"
    )
    return Path(home) / "hub"


class Jail:
    """The scanned roots (real paths of directories) and the trusted locations."""

    def __init__(self, roots: Iterable[Path], trusted: Iterable[Path] = ()) -> None:
        rs: list[str] = []
        for r in roots:
            try:
                is_dir = stat.S_ISDIR(os.stat(r).st_mode)
            except (OSError, ValueError):
                is_dir = False
            # a directory named on the command line is the user's choice (even through a
            # symlink); for a file, the directory it is in, not that of a symlink's target
            real = _real(r) if is_dir else _real(os.path.dirname(os.path.abspath(r)))
            if real is not None:
                rs.append(real)
        self.roots = tuple(dict.fromkeys(rs))
        self.trusted = tuple(dict.fromkeys(t for t in (_real(p) for p in trusted) if t))
        # Paths discovery found inside a root without crossing a symlink: no need to resolve.
        self.vetted: set[str] = set()

    def inside_roots(self, path: str | os.PathLike) -> bool:
        real = _real(path)
        return real is not None and _under(real, self.roots)

    def allows(self, path: str | os.PathLike) -> bool:
        try:
            if os.fspath(path) in self.vetted:
                return True
        except TypeError:
            return False
        real = _real(path)
        return real is not None and (_under(real, self.roots) or _under(real, self.trusted))

    def check(self, path: str | os.PathLike) -> None:
        if not self.allows(path):
            raise OutsideTree(path)


_local = threading.local()


def active() -> Jail | None:
    return getattr(_local, "jail", None)


@contextmanager
def confined(jail: Jail | None) -> Iterator[Jail | None]:
    """Reads in this thread go through ``jail`` for the block (None: no restriction)."""
    previous = active()
    _local.jail = jail
    try:
        yield jail
    finally:
        _local.jail = previous


def may_read(path: str | os.PathLike) -> bool:
    """Whether the active jail (if any) lets ``path`` be read or listed."""
    jail = active()
    return jail is None or jail.allows(path)


def check_read(path: str | os.PathLike) -> None:
    """Raise :class:`OutsideTree` when the active jail does not let ``path`` be read."""
    jail = active()
    if jail is not None:
        jail.check(path)


# -- writing: never through a symlink -------------------------------------------------------------


def owned_real_dir(path: Path) -> bool:
    """``path`` is a directory itself (not a symlink to one) owned by this user."""
    try:
        st = os.lstat(path)
    except (OSError, ValueError):
        return False
    if not stat.S_ISDIR(st.st_mode):
        return False
    return not hasattr(os, "geteuid") or st.st_uid == os.geteuid()


def open_dir(path: Path, *, create: bool = False) -> int:
    """A descriptor of the directory ``path``, opened without following a symlink at its last
    component (``create``: made first when missing, mode 0700). Raises OSError."""
    if create:
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
    fd = os.open(path, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISDIR(st.st_mode):
            raise OSError(errno.ENOTDIR, "not a directory", os.fspath(path))
        if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
            raise OSError(errno.EPERM, "not owned by this user", os.fspath(path))
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_subdir(dir_fd: int, name: str, *, create: bool = False) -> int:
    """``open_dir`` for ``name`` inside the directory ``dir_fd``."""
    if create:
        try:
            os.mkdir(name, 0o700, dir_fd=dir_fd)
        except FileExistsError:
            pass
    fd = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=dir_fd)
    try:
        st = os.fstat(fd)
        if not stat.S_ISDIR(st.st_mode):
            raise OSError(errno.ENOTDIR, "not a directory", name)
        if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
            raise OSError(errno.EPERM, "not owned by this user", name)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_new(dir_fd: int, name: str, data: bytes, *, mode: int = 0o600) -> bool:
    """Create ``name`` in ``dir_fd`` with ``data`` unless something (a file, a symlink) is already
    there. Returns whether it was written."""
    try:
        fd = os.open(name, _CREATE_FLAGS, mode, dir_fd=dir_fd)
    except FileExistsError:
        return False
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)
    return True


def replace_file(dir_fd: int, name: str, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``name`` in ``dir_fd`` atomically: a fresh temporary file (``O_EXCL|O_NOFOLLOW``)
    renamed over it (a symlink at ``name`` is replaced, never followed). Raises OSError."""
    for attempt in range(100):
        tmp = f".tmp.{os.getpid()}.{attempt}.{os.urandom(4).hex()}"
        try:
            fd = os.open(
                tmp,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC,
                mode,
                dir_fd=dir_fd,
            )
        except FileExistsError:
            continue
        break
    else:  # pragma: no cover
        raise OSError(errno.EEXIST, "cannot create a temporary file")
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=dir_fd)
        except OSError:
            pass
        raise


def read_nofollow(dir_fd: int, name: str, limit: int) -> bytes:
    """The bytes of the regular file ``name`` in ``dir_fd`` (not through a symlink), at most
    ``limit``. Raises OSError."""
    fd = os.open(
        name, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | getattr(os, "O_NONBLOCK", 0), dir_fd=dir_fd
    )
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", name)
        if st.st_size > limit:
            raise OSError(errno.EFBIG, f"file is larger than {limit} bytes", name)
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise OSError(errno.EFBIG, f"file is larger than {limit} bytes", name)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
