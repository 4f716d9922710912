"""Walk the scanned paths: respect .gitignore and excludes, classify files, never read weights."""

from __future__ import annotations

import os
import re
import stat
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .gitignore import MAX_PATTERNS, IgnoreStack, load_gitignore, parse_lines
from .location import read_bytes, safe_exists, safe_is_dir, split_lines
from .safefs import Jail

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
    jail: Jail | None = None
    notes: list[tuple[Path, str]] = field(default_factory=list)  # reported as DPL000
    # Symlinks not followed: dangling, looping, or pointing outside the scanned tree. Not
    # findings (real repositories have them: a link into a build directory, a checkout's link to
    # the developer's own model directory); shown with --verbose.
    links: list[Skipped] = field(default_factory=list)
    # Directories listed on the way (real path -> whether it holds a project marker: `.git`, a
    # package manifest, a licence), so that the project boundary does not list them again.
    markers: dict[str, bool] = field(default_factory=dict)


#: Files whose presence makes a directory the root of a repository or a package.
MANIFESTS = frozenset(
    {
        "pyproject.toml",
        "setup.py",
        "setup.cfg",
        "package.json",
        "go.mod",
        "Cargo.toml",
    }
)
_LICENCE = re.compile(r"^(?:LICEN[CS]E|COPYING)(?:[-._].*)?$", re.I)


def is_marker(name: str) -> bool:
    """A file or directory name that makes its directory the root of a project
    (link/boundary.py)."""
    return name == ".git" or name in MANIFESTS or _LICENCE.match(name) is not None


OUTSIDE_FILE = "symlink to a file outside the scanned tree: not read"
OUTSIDE_DIR = "symlink to a directory outside the scanned tree: not followed"


class _Excluder:
    """``exclude`` globs, with the rules of ``config.glob_match`` (.gitignore matching: `*`
    within a path component, `**` across them, a pattern without `/` matching a name at any
    depth), compiled into one regex for the anchored patterns and one for the names: thousands
    of patterns cost one regex match per path prefix, not one per pattern. Paths are made
    relative to the configuration's directory from their directory's real path (computed once per
    directory), never by resolving each path."""

    def __init__(self, cfg: Config) -> None:
        self.active = bool(cfg.exclude)
        self.paths: list[re.Pattern[str]] = []
        self.names: list[re.Pattern[str]] = []
        if not self.active:
            return
        base = cfg.base_dir or Path.cwd()
        self.base = os.path.realpath(base)
        texts = []
        for pattern in cfg.exclude:
            text = pattern.strip()
            while text.startswith("./"):
                text = text[2:]
            if text.startswith("!"):
                text = "\\" + text  # a literal `!`: negation has no meaning in a list of globs
            texts.append(text)
            if text.endswith("/**"):  # `dir/**`: the directory itself too (as glob_match)
                texts.append("/" + text[:-3].lstrip("/") + "/")
        # One parse per chunk (parse_lines takes MAX_PATTERNS at a time): within it the
        # patterns' group names are distinct, so their regexes can be joined.
        for k in range(0, len(texts), MAX_PATTERNS):
            pats = parse_lines(texts[k : k + MAX_PATTERNS])
            for rx, anchored in (
                (_compile_any([p.regex.pattern for p in pats if p.anchored]), True),
                (_compile_any([p.regex.pattern for p in pats if not p.anchored]), False),
            ):
                if rx is not None:
                    (self.paths if anchored else self.names).append(rx)

    def rel(self, real_dir: str, name: str) -> str:
        full = os.path.join(real_dir, name)
        if full == self.base or full.startswith(self.base.rstrip(os.sep) + os.sep):
            return os.path.relpath(full, self.base).replace(os.sep, "/")
        return full.replace(os.sep, "/")

    def __call__(self, rel: str) -> bool:
        parts = [p for p in rel.split("/") if p and p != "."]
        for names in self.names:
            if any(names.match(part) for part in parts):
                return True
        for paths in self.paths:
            for i in range(len(parts), 0, -1):
                if paths.match("/".join(parts[:i])):
                    return True
        return False


def _compile_any(translated: list[str]) -> re.Pattern[str] | None:
    if not translated:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FutureWarning for "[[" and the like: literal here
        try:
            return re.compile("|".join(f"(?:{t})" for t in translated), re.DOTALL)
        except re.error:
            good = []
            for t in translated:
                try:
                    re.compile(t, re.DOTALL)
                    good.append(t)
                except re.error:
                    continue
            return re.compile("|".join(f"(?:{t})" for t in good), re.DOTALL) if good else None


def _excluded(path: Path, cfg: Config) -> bool:
    ex = _Excluder(cfg)
    if not ex.active:
        return False
    real = os.path.realpath(path)
    return ex(ex.rel(os.path.dirname(real), os.path.basename(real)))


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
            data = read_bytes(info_exclude)  # bounded; a FIFO or device is refused
            stack = stack.push(root, parse_lines(split_lines(data.decode("utf-8", "replace"))))
    except (OSError, ValueError):
        pass
    chain = [directory, *directory.parents]
    chain = chain[: chain.index(root) + 1] if root in chain else [directory]
    for d in reversed(chain[1:]):
        stack = stack.push(d, load_gitignore(d))
    return stack


def discover(
    paths: list[Path],
    cfg: Config,
    *,
    force_exclude: bool = False,
    max_files: int = 200_000,
    jail: Jail | None = None,
) -> Discovery:
    """The files under ``paths`` to scan. Symlinks are not followed out of ``jail`` (by default
    the scanned paths themselves): a directory symlink is never descended (inside the tree its
    target is scanned under its own path; outside, it is reported), a file symlink pointing outside
    is reported and not read. Files found without crossing a symlink are added to
    ``jail.vetted``."""
    out = Discovery()
    jail = jail if jail is not None else Jail(paths)
    out.jail = jail
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[str] = set()
    excluder = _Excluder(cfg)

    def add_file(
        p: Path, explicit: bool, st: os.stat_result | None = None, vetted: bool = False
    ) -> None:
        if st is None:
            try:
                st = p.stat()
            except (OSError, ValueError) as e:
                why = getattr(e, "strerror", None) or str(e)
                if _is_link(p):
                    out.links.append(Skipped(p, f"dangling symlink: {why}"))
                else:
                    out.skipped.append(Skipped(p, f"cannot stat: {why}"))
                return
        if not vetted and not jail.inside_roots(p):
            # (checked first: a link to /dev/urandom or /proc is outside, whatever it is)
            if explicit or classify(p) is not None:
                out.links.append(Skipped(p, OUTSIDE_FILE))
            return
        if not stat.S_ISREG(st.st_mode):
            # A FIFO, socket or device in the tree is never opened; one named like a file we
            # read is reported.
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
        if vetted:
            jail.vetted.add(os.fspath(p))
        out.files.append(Discovered(p, kind, st.st_size))

    def enter(
        d: Path, ignores: IgnoreStack, real: str
    ) -> tuple[Iterator[os.DirEntry], IgnoreStack, str] | None:
        """A directory's entries (sorted), the ignore rules below it and its real path ``real``;
        None to skip it."""
        try:
            st = d.stat()
        except OSError as e:
            out.skipped.append(Skipped(d, f"cannot read directory: {e.strerror or e}"))
            return None
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:  # a directory reached twice (two overlapping roots)
            return None
        seen_dirs.add(key)
        try:
            with os.scandir(d) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            out.skipped.append(Skipped(d, f"cannot read directory: {e.strerror or e}"))
            return None
        out.markers[real] = any(is_marker(e.name) for e in entries)
        if cfg.respect_gitignore and any(e.name == ".gitignore" for e in entries):
            notes: list[str] = []
            ignores = ignores.push(d, load_gitignore(d, notes))
            out.notes.extend((d / ".gitignore", f".gitignore: {n}") for n in notes)
        return iter(entries), ignores, real

    def walk(root: Path, ignores: IgnoreStack) -> None:
        # Depth first, entries in name order, with an explicit stack: a tree thousands of
        # directories deep cannot exhaust Python's recursion limit.
        first = enter(root, ignores, os.path.realpath(root))
        stack = [first] if first is not None else []
        while stack:
            entries, ignores, real_dir = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
                continue
            if len(out.files) >= max_files:
                return
            try:
                link = entry.is_symlink()
                is_dir = entry.is_dir()  # follows symlinks
            except OSError:
                link, is_dir = True, False  # reported by add_file (it cannot be stat'ed)
            if is_dir:
                if entry.name in DEFAULT_EXCLUDED_DIRS:
                    continue
                if ignores.ignored(entry.path, True):
                    continue
                p = Path(entry.path)
                if excluder.active and excluder(excluder.rel(real_dir, entry.name)):
                    continue
                if link:
                    if not jail.inside_roots(p):
                        out.links.append(Skipped(p, OUTSIDE_DIR))
                    continue  # inside: its target is scanned under its own path
                # not a symlink: its real path is its parent's plus its name
                frame = enter(p, ignores, os.path.join(real_dir, entry.name))
                if frame is not None:
                    stack.append(frame)
            else:
                if entry.name == ".gitignore":
                    continue
                if ignores.ignored(entry.path, False):
                    continue
                p = Path(entry.path)
                if excluder.active and excluder(excluder.rel(real_dir, entry.name)):
                    continue
                try:
                    st = entry.stat()  # follows symlinks
                except OSError as e:
                    if link:  # dangling, or a loop of links: nothing in the tree to read
                        out.links.append(Skipped(p, f"dangling symlink: {e.strerror or e}"))
                    else:
                        out.skipped.append(Skipped(p, f"cannot stat: {e.strerror or e}"))
                    continue
                add_file(p, False, st, vetted=not link)

    for raw in paths:
        p = Path(raw)
        out.roots.append(p)
        if not safe_exists(p):
            if _is_link(p):  # (pre-commit passes every tracked file, dangling links too)
                out.links.append(Skipped(p, "dangling symlink"))
            else:
                out.skipped.append(Skipped(p, "no such file or directory"))
            continue
        if safe_is_dir(p):
            walk(p, _initial_ignores(p.resolve(), cfg))
        else:
            if force_exclude and (_excluded(p, cfg)):
                continue
            add_file(p, True)
    return out


def _is_link(p: Path) -> bool:
    try:
        return p.is_symlink()
    except (OSError, ValueError):
        return False


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
