"""Walk the scanned paths: respect .gitignore and excludes, classify files, never read weights."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, glob_match
from .gitignore import IgnoreStack, load_gitignore, parse_lines

# Never read: weights, archives, binary data. (By name only; checked before anything is opened.)
WEIGHT_SUFFIXES = {
    ".safetensors",
    ".bin",
    ".pt",
    ".pth",
    ".gguf",
    ".ggml",
    ".ckpt",
    ".h5",
    ".hdf5",
    ".msgpack",
    ".onnx",
    ".pkl",
    ".pickle",
    ".joblib",
    ".npz",
    ".npy",
    ".tflite",
    ".mlmodel",
    ".model",  # sentencepiece tokenizer.model (binary protobuf)
    ".engine",
    ".plan",
    ".tar",
    ".gz",
    ".tgz",
    ".zip",
    ".xz",
    ".zst",
    ".7z",
    ".parquet",
    ".arrow",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".mp4",
    ".wav",
    ".pdf",
    ".so",
    ".dylib",
    ".dll",
    ".exe",
    ".whl",
}

DEFAULT_EXCLUDED_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".deploylint_cache",
    "site-packages",
    ".eggs",
    # The Hugging Face cache's markers of files a repository does not have (empty files named
    # like model files: huggingface_hub/file_download.py `_cache_commit_hash_for_specific_revision`
    # / `.no_exist`); never a model directory.
    ".no_exist",
}

# Files of a Hugging Face model directory that deploylint reads (small JSON / text).
MODEL_DIR_FILES = {
    "config.json",
    "generation_config.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "adapter_config.json",
    "chat_template.json",
    "chat_template.jinja",
    "preprocessor_config.json",
    "processor_config.json",
}
# Present-by-name facts only; parsed lazily when a rule needs them.
TOKENIZER_ASSETS = {
    "tokenizer.json",
    "tokenizer.model",
    "vocab.json",
    "merges.txt",
    "vocab.txt",
    "spiece.model",
    "sentencepiece.bpe.model",
    "qwen.tiktoken",
    "tokenizer.tiktoken",
}

_SHEBANG_SH = re.compile(rb"^#!\s*(?:/usr)?/bin/(?:env\s+)?(?:ba|z|da|k)?sh\b")
_SHEBANG_PY = re.compile(rb"^#!\s*(?:/usr)?/bin/(?:env\s+)?python")
_COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.\-_][\w.\-]+)?\.ya?ml$", re.I)
_REQ_NAME = re.compile(r"^(?:requirements|constraints)[\w.\-]*\.(?:txt|in)$", re.I)
_MODELFILE_NAME = re.compile(r"^(?:Modelfile(?:[.\-_][\w.\-]+)?|[\w.\-]+\.modelfile)$", re.I)


def is_weight_file(name: str) -> bool:
    lower = name.lower()
    suffix = os.path.splitext(lower)[1]
    if suffix in WEIGHT_SUFFIXES:
        return True
    return lower.endswith((".safetensors.index.json.bak",))


def is_dockerfile_name(name: str) -> bool:
    lower = name.lower()
    if lower in ("dockerfile", "containerfile"):
        return True
    parts = lower.split(".")
    return len(parts) > 1 and ("dockerfile" in parts or "containerfile" in parts)


def classify(path: Path, head: bytes | None = None) -> str | None:
    """The kind of a file by its name (and, for extensionless files, its first line)."""
    name = path.name
    lower = name.lower()
    if is_weight_file(name):
        return None
    if lower in MODEL_DIR_FILES:
        return "model-file"
    if lower in TOKENIZER_ASSETS:
        return "tokenizer-asset"
    if is_dockerfile_name(name):
        return "dockerfile"
    if _MODELFILE_NAME.match(name):
        return "modelfile"
    if _COMPOSE_NAME.match(name):
        return "compose"
    if _REQ_NAME.match(name):
        return "requirements"
    if lower == "pyproject.toml":
        return "pyproject"
    if lower == ".env" or lower.endswith(".env"):
        return "dotenv"
    suffix = os.path.splitext(lower)[1]
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".sh", ".bash", ".zsh", ".ksh"):
        return "shell"
    if suffix in (".py", ".pyi"):
        return "python"
    if suffix == ".ipynb":
        return "notebook"
    if suffix == ".json":
        return "json"
    if suffix in (".jinja", ".jinja2", ".j2"):
        return "jinja"
    if suffix == "" and head is not None:
        if _SHEBANG_SH.match(head):
            return "shell"
        if _SHEBANG_PY.match(head):
            return "python"
    return None


@dataclass
class Discovered:
    path: Path
    kind: str
    size: int


@dataclass
class Skipped:
    path: Path
    reason: str
    size: int = 0


@dataclass
class Discovery:
    files: list[Discovered] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # reported as DPL000 where relevant
    roots: list[Path] = field(default_factory=list)


def _excluded(path: Path, cfg: Config) -> bool:
    if not cfg.exclude:
        return False
    base = cfg.base_dir or Path.cwd()
    try:
        rel = path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        rel = path.as_posix()
    return any(glob_match(rel, pat) for pat in cfg.exclude)


def _repo_root(start: Path) -> Path | None:
    for d in (start, *start.parents):
        if (d / ".git").exists():
            return d
    return None


def _initial_ignores(directory: Path, cfg: Config) -> IgnoreStack:
    """The .gitignore files of the directory's ancestors inside its repository."""
    stack = IgnoreStack()
    if not cfg.respect_gitignore:
        return stack
    root = _repo_root(directory)
    if root is None:
        return stack
    info_exclude = root / ".git" / "info" / "exclude"
    try:
        if info_exclude.is_file():
            stack = stack.push(
                root, parse_lines(info_exclude.read_text(errors="replace").splitlines())
            )
    except OSError:
        pass
    chain = [directory, *directory.parents]
    chain = chain[: chain.index(root) + 1] if root in chain else [directory]
    for d in reversed(chain[1:]):
        stack = stack.push(d, load_gitignore(d))
    return stack


def discover(
    paths: list[Path], cfg: Config, *, force_exclude: bool = False, max_files: int = 200_000
) -> Discovery:
    out = Discovery()
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[str] = set()

    def add_file(p: Path, explicit: bool, st: os.stat_result | None = None) -> None:
        if st is None:
            try:
                st = p.stat()
            except (OSError, ValueError) as e:
                out.skipped.append(Skipped(p, f"cannot stat: {getattr(e, 'strerror', None) or e}"))
                return
        if not stat.S_ISREG(st.st_mode):
            # A FIFO, socket or device (a symlink to /dev/zero …) is never opened; one named like
            # a file we read is reported.
            if explicit or classify(p) is not None:
                out.skipped.append(Skipped(p, "not a regular file"))
            return
        real = os.path.abspath(p)
        if real in seen_files:
            return
        seen_files.add(real)
        kind = classify(p)
        if kind is None and "." not in p.name and not is_weight_file(p.name):
            kind = classify(p, _head(p))
        if kind is None:
            return
        out.files.append(Discovered(p, kind, st.st_size))

    def enter(d: Path, ignores: IgnoreStack) -> tuple[Iterator[os.DirEntry], IgnoreStack] | None:
        """A directory's entries (sorted) and the ignore rules below it; None to skip it."""
        try:
            st = d.stat()
        except OSError as e:
            out.skipped.append(Skipped(d, f"cannot read directory: {e.strerror or e}"))
            return None
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:  # symlink loop or a directory reached twice
            return None
        seen_dirs.add(key)
        if cfg.respect_gitignore:
            ignores = ignores.push(d, load_gitignore(d))
        try:
            with os.scandir(d) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            out.skipped.append(Skipped(d, f"cannot read directory: {e.strerror or e}"))
            return None
        return iter(entries), ignores

    def walk(root: Path, ignores: IgnoreStack) -> None:
        # Depth first, entries in name order, with an explicit stack: a tree thousands of
        # directories deep cannot exhaust Python's recursion limit.
        first = enter(root, ignores)
        stack = [first] if first is not None else []
        while stack:
            entries, ignores = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
                continue
            if len(out.files) >= max_files:
                return
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError:
                is_dir = False  # a symlink loop …: reported by add_file (it cannot be stat'ed)
            if is_dir:
                if entry.name in DEFAULT_EXCLUDED_DIRS:
                    continue
                if ignores.ignored(entry.path, True):
                    continue
                p = Path(entry.path)
                if _excluded(p, cfg):
                    continue
                frame = enter(p, ignores)
                if frame is not None:
                    stack.append(frame)
            else:
                if entry.name == ".gitignore":
                    continue
                if ignores.ignored(entry.path, False):
                    continue
                p = Path(entry.path)
                if _excluded(p, cfg):
                    continue
                try:
                    st = entry.stat()  # follows symlinks
                except OSError as e:
                    out.skipped.append(Skipped(p, f"cannot stat: {e.strerror or e}"))
                    continue
                add_file(p, False, st)

    for raw in paths:
        p = Path(raw)
        out.roots.append(p)
        if not p.exists():
            out.skipped.append(Skipped(p, "no such file or directory"))
            continue
        if p.is_dir():
            walk(p, _initial_ignores(p.resolve(), cfg))
        else:
            if force_exclude and (_excluded(p, cfg)):
                continue
            add_file(p, True)
    return out


def _head(p: Path) -> bytes | None:
    """The first bytes of a file (for a shebang), without blocking on a FIFO swapped in."""
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, 64)
    except OSError:
        return None
    finally:
        os.close(fd)


def iter_model_dir_files(directory: Path) -> Iterator[str]:
    try:
        for entry in os.scandir(directory):
            yield entry.name
    except OSError:
        return
