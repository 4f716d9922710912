"""Which release of an engine a launch runs: an image tag, the nearest pin, the configuration, or
the newest known release (said so)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..engines import PACKAGE_ENGINES, newest_release, resolve_spec
from ..facts import EngineVersion, Launch, Pin, TrainingRun
from ..location import safe_resolve

if TYPE_CHECKING:
    from .project import Project

_PIN_ORDER = {"dockerfile": 0, "shell": 1, "requirements": 2, "pyproject": 3, "constraints": 4}


def engine_version(project: Project, launch: Launch) -> EngineVersion:
    return version_at(
        project,
        launch.engine,
        launch.path,
        launch.base_dir,
        launch.version_hints,
        official_image=official_image(launch),
    )


def official_image(launch: Launch) -> bool:
    """The launch runs the engine's own image (vllm/vllm-openai, lmsysorg/sglang ...), not an image
    built elsewhere that is only named after it."""
    from ..engines.images import image_info

    info = image_info(launch.image) if launch.image else None
    return info is not None and info.engine == launch.engine and info.entrypoint_known


def version_at(
    project: Project,
    engine: str,
    path: Path,
    base_dir: Path,
    hints: list[EngineVersion] | None = None,
    *,
    official_image: bool = False,
) -> EngineVersion:
    """The release of ``engine`` in use for a file at ``path``."""
    hints = hints or []
    for hint in hints:
        if hint.version:
            return hint
    unpinned_image = next((h for h in hints if not h.version), None)
    # A container of the engine's own image runs the release its tag names (`latest`: the
    # newest); pins elsewhere in the repository (a Dockerfile's `pip install`, requirements.txt)
    # describe other environments. An image only named after the engine may be built from them.
    skip_pins = unpinned_image is not None and official_image
    pin = None if skip_pins else nearest_pin(project, engine, path, base_dir)
    if pin is not None:
        version, exact = resolve_spec(engine, pin.spec) if pin.spec else (None, False)
        if version is None:
            version = newest_release(engine)
        what = f"{pin.package}{pin.spec}" if pin.spec else f"{pin.package} (unpinned)"
        src = f"{pin.source_kind} {what} at {pin.loc.path.name}:{pin.loc.line}"
        if not exact:
            src += f"; assuming the newest release it allows ({version})"
        return EngineVersion(engine, version, exact, src, pin.loc, pin.spec)
    cfg = project.config
    if engine in cfg.engines:
        v = cfg.engines[engine]
        src = f'[tool.deploylint.engines] {engine} = "{v}"'
        if cfg.source is not None:
            src += f" in {cfg.source.name}"
        return EngineVersion(engine, v, True, src, None, v)
    newest = newest_release(engine)
    if unpinned_image is not None:
        return EngineVersion(
            engine,
            newest,
            False,
            f"{unpinned_image.source} is not pinned; assuming the newest known release"
            + (f" ({newest})" if newest else ""),
            unpinned_image.loc,
            unpinned_image.spec,
        )
    return EngineVersion(
        engine,
        newest,
        False,
        "no version pinned in the repository; assuming the newest known release"
        + (f" ({newest})" if newest else ""),
    )


def nearest_pin(project: Project, engine: str, path: Path, base_dir: Path) -> Pin | None:
    cands = [p for p in project.pins if PACKAGE_ENGINES.get(p.package) == engine]
    if not cands:
        return None
    here = safe_resolve(base_dir)

    def key(p: Pin) -> tuple[int, int, int, bool]:
        same_file = 0 if p.loc.path == path else 1
        there = safe_resolve(p.loc.path.parent)
        try:
            rel = here.relative_to(there) if here is not None and there is not None else None
        except ValueError:
            rel = None
        dist = len(rel.parts) if rel is not None else 1000
        return (same_file, dist, _PIN_ORDER.get(p.source_kind, 9), not p.spec)

    best = min(cands, key=key)
    # A pin in an unrelated sibling directory does not describe this launch.
    if key(best)[0] == 1 and key(best)[1] == 1000:
        return None
    return best


def training_version(project: Project, run: TrainingRun) -> EngineVersion:
    return version_at(project, "llamafactory", run.loc.path, run.loc.path.parent)


def library_version(project: Project, package: str, path: Path) -> EngineVersion:
    """The release of a library (peft, transformers) the script at ``path`` runs with."""
    return version_at(project, package, path, path.parent)


__all__ = [
    "engine_version",
    "library_version",
    "nearest_pin",
    "official_image",
    "training_version",
]
