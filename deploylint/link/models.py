"""Model references: a path or hub id in a launch → a model directory (in the tree, behind a
volume, in the local Hugging Face cache) or built-in knowledge of the id."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..engines.base import NotApplicable
from ..engines.cli import Token
from ..facts import Launch, ModelDir, ModelRef
from ..location import display_path, safe_exists, safe_is_dir, safe_is_file
from ..safefs import may_read
from ..sources.model_files import load_dir

if TYPE_CHECKING:
    from .project import Project

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")
_REMOTE = re.compile(r"^(?:s3|gs|gcs|pvc|oci|https?|azure|abfss?|ms)://", re.I)

#: Files whose presence makes a directory a model directory (what ``model_dir`` loads).
MODEL_DIR_MARKERS = (
    "config.json",
    "adapter_config.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "chat_template.json",
)


def model_dir(project: Project, path: Path) -> ModelDir | None:
    """The model directory at ``path`` (scanned, or read on demand)."""
    key = Path(os.path.normpath(path))
    if key in project.model_dirs:
        return project.model_dirs[key]
    if key in project._loaded_dirs:
        return project._loaded_dirs[key]
    md = None
    # may_read: a directory outside the scanned tree is not read (safefs.py)
    if may_read(key) and safe_is_dir(key) and any(safe_exists(key / n) for n in MODEL_DIR_MARKERS):
        md = load_dir(key)
    project._loaded_dirs[key] = md
    return md


def local_path(project: Project, launch: Launch, ref: str) -> Path | None:
    """A path in the launch's world mapped to this machine (volumes, relative paths)."""
    if not ref or ref.startswith("~"):
        return None
    p = Path(ref)
    if p.is_absolute():
        for vol in sorted(launch.volumes, key=lambda v: -len(v.target)):
            target = vol.target.rstrip("/") or "/"
            if vol.host_dir is not None and (ref == target or ref.startswith(target + "/")):
                rest = ref[len(target) :].lstrip("/")
                return Path(os.path.normpath(vol.host_dir / rest))
        if project.inside_roots(p):
            return p
        return None
    key = (launch.base_dir, ref)
    hit = project._local_paths.get(key)
    if hit is None:
        cands = [launch.base_dir / p]
        for r in project.roots:
            base = r if r.is_dir() else r.parent
            cands.append(base / p)
        found = next((c for c in cands if safe_exists(c)), cands[0])
        hit = project._local_paths[key] = Path(os.path.normpath(found))
    return hit


def read_linked_text(project: Project, launch: Launch, ref: str) -> tuple[str | None, Path | None]:
    """The text of a file a launch names (inline files of a Helm chart first)."""
    from ..location import read_text

    inline = launch.origin.inline_files.get(ref)
    if inline is not None:
        return inline.text, None
    path = local_path(project, launch, ref)
    if path is None or not safe_is_file(path):
        # A path inside a container or on the author's machine (`/app/templates/chatml.jinja`):
        # the one scanned file of the launch's project ending with the same last two components.
        tail = by_tail(project, launch, ref)
        if tail is not None:
            path = tail
            launch.notes.append(f"`{ref}` read from {display_path(tail)} (the same path's tail)")
    if path is not None and safe_is_file(path):
        try:
            return read_text(path), path
        except (OSError, ValueError):
            return None, path
    return None, path


def by_tail(project: Project, launch: Launch, ref: str) -> Path | None:
    parts = [p for p in ref.replace("\\", "/").split("/") if p not in ("", ".")]
    if len(parts) < 2 or ".." in parts:
        return None
    tail = tuple(parts[-2:])
    if project._tails is None:
        tails: dict[tuple[str, ...], list[Path]] = {}
        for p in project.files:
            tails.setdefault(tuple(p.parts[-2:]), []).append(p)
        project._tails = tails
    hits = [p for p in project._tails.get(tail, ()) if project.same_project(p, launch.path)]
    return hits[0] if len(hits) == 1 else None


def hf_cache(repo_id: str) -> ModelDir | None:
    hub = os.environ.get("HF_HUB_CACHE")
    if not hub:
        home = os.environ.get("HF_HOME") or os.path.join(
            os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "huggingface"
        )
        hub = os.path.join(home, "hub")
    repo = Path(hub) / ("models--" + repo_id.replace("/", "--"))
    if not safe_is_dir(repo):
        return None
    ref_main = repo / "refs" / "main"
    snap = None
    try:
        if safe_is_file(ref_main):
            snap = repo / "snapshots" / ref_main.read_text().strip()
        else:
            snaps = sorted((repo / "snapshots").iterdir())
            snap = snaps[-1] if snaps else None
    except (OSError, ValueError):
        return None
    if snap is None or not safe_is_dir(snap):
        return None
    return load_dir(snap)


def resolve_ref(project: Project, launch: Launch, token: Token | None, ref: str) -> ModelRef:
    mr = ModelRef(ref, token)
    if token is not None and not token.resolved:
        mr.resolved = False
        mr.how = f"`{ref}` has unresolved variables"
        return mr
    cfg = project.config
    alias = cfg.models.get(ref) or cfg.models.get(ref.rstrip("/"))
    if alias is not None:
        base = cfg.base_dir or Path.cwd()
        cand = (base / alias) if not Path(alias).is_absolute() else Path(alias)
        mr.how = f"[tool.deploylint.models] maps `{ref}` to {alias}"
        if safe_is_dir(cand):
            mr.directory = model_dir(project, cand)
            return mr
        mr.ref = alias
        ref = alias
    for prefix in ("hf://", "huggingface://"):
        if ref.startswith(prefix):
            ref = ref[len(prefix) :]
            mr.ref = ref
    if _REMOTE.match(ref):
        mr.how = mr.how or "remote storage (not readable statically)"
        return mr
    looks_local = ref.startswith((".", "/", "~")) or not _HUB_ID.match(ref)
    path = local_path(project, launch, ref)
    if path is not None and safe_is_dir(path):
        md = model_dir(project, path)
        if md is not None:
            mr.directory = md
            via = " through the volume mount" if Path(ref).is_absolute() and launch.volumes else ""
            mr.how = mr.how or f"local directory {display_path(path)}{via}"
            return mr
    if not looks_local:
        if ref in project._hf_dirs:
            cached = project._hf_dirs[ref]
        else:
            cached = project._hf_dirs[ref] = hf_cache(ref)
        if cached is not None:
            mr.directory = cached
            mr.how = "the local Hugging Face cache"
            return mr
        mr.how = mr.how or "Hugging Face Hub id (built-in knowledge)"
        return mr
    if path is not None and not may_read(path):
        mr.how = mr.how or "local path outside the scanned tree (not read)"
    mr.how = mr.how or "local path not present in the repository"
    return mr


def model_ref(project: Project, launch: Launch) -> ModelRef | None:
    """What the launch's model argument (as its engine reads it) resolves to."""
    from ..assess import Assessment, assess
    from ..engines.registry import engine_for

    impl = engine_for(launch.engine)
    if impl is None:
        return None
    arg = impl.model_arg(launch)
    if isinstance(arg, NotApplicable) or arg.text is None:
        return None
    mr = resolve_ref(project, launch, arg.token, arg.text)
    mr.is_default = arg.is_default
    if arg.note and arg.is_default:
        launch.notes.append(arg.note)
    mr.info = assess(mr)
    if mr.directory is None and mr.resolved:
        # An engine with its own model names (Ollama's library) says what a name means.
        variant = getattr(project_engine_module(launch.engine), "library_variant", None)
        said = variant(arg.text) if variant is not None else None
        if said is not None:
            kind, reason = said
            mr.how = f"an {impl.display} model name"
            mr.info = Assessment(
                kind, "likely" if kind else "none", [reason], mr.info.family, arg.text
            )
    return mr


def project_engine_module(engine: str):
    from ..engines.registry import module

    return module(engine)


def tokenizer_ref(project: Project, launch: Launch) -> ModelRef | None:
    from ..engines.registry import engine_for

    impl = engine_for(launch.engine)
    if impl is None:
        return None
    tok = impl.tokenizer_arg(launch)
    if tok is None or isinstance(tok, NotApplicable):
        return None
    return resolve_ref(project, launch, tok, tok.text)
