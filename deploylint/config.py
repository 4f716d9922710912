"""Configuration: ``[tool.deploylint]`` in pyproject.toml, or ``.deploylint.toml``.

The closest configuration file to the first scanned path wins (searching upwards, stopping at the
repository root); ``--config FILE`` names one explicitly. Unknown keys are a usage error.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    pass


# DPL202's threshold: below it a base model's sampling counts as near-greedy. The advice for base
# models is 0.7–1.0 (Qwen's model cards recommend temperature 0.7 with top_p 0.8 even for their
# chat models; QwenLM/Qwen3 issue #922 is a base model echoing at 0.1); 0.3 let 0.3–0.49 through.
DEFAULT_LOW_TEMPERATURE = 0.5
DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024

KNOWN_KEYS = {
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "low-temperature",
    "max-file-size",
    "engines",
    "models",
    "respect-gitignore",
    "fail-on",
}

#: `fail-on` / `--fail-on`: the lowest severity that makes the exit status 1 (ruff's and
#: hadolint's habit: `info` findings are shown but do not fail a hook or a CI step).
FAIL_ON_CHOICES = ("error", "warning", "info")
DEFAULT_FAIL_ON = "warning"


@dataclass
class Config:
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)  # in force: `exclude` + `extend-exclude`
    extend_exclude: list[str] = field(default_factory=list)  # the `extend-exclude` part of it
    low_temperature: float = DEFAULT_LOW_TEMPERATURE
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    engines: dict[str, str] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    respect_gitignore: bool = True
    fail_on: str | None = None  # None: DEFAULT_FAIL_ON (or --fail-on)
    source: Path | None = None  # the file it came from
    base_dir: Path | None = None  # per-file-ignores and exclude globs are relative to it

    def digest_items(self) -> list[tuple[str, Any]]:
        """What the per-file cache key depends on."""
        return sorted(
            {
                "select": self.select,
                "extend_select": self.extend_select,
                "ignore": self.ignore,
                "per_file_ignores": self.per_file_ignores,
                "exclude": self.exclude,
                "low_temperature": self.low_temperature,
                "max_file_size": self.max_file_size,
                "engines": self.engines,
                "models": self.models,
            }.items()
        )

    def file_ignores(self, rel_path: str) -> list[str]:
        out: list[str] = []
        for pattern, codes in self.per_file_ignores.items():
            if glob_match(rel_path, pattern):
                out.extend(codes)
        return out


def glob_match(rel_path: str, pattern: str) -> bool:
    """Whether a '/'-separated path relative to the configuration's directory matches a pattern
    of `exclude`, `extend-exclude` or `per-file-ignores`, with .gitignore rules (the matching of
    deploylint/gitignore.py): `*` and `?` stay within one path component, `**` crosses
    directories; a pattern without a `/` (other than a trailing one) matches a name at any depth;
    one with a `/` is anchored at the configuration's directory (a leading `/` or `./` is
    dropped); a trailing `/` names a directory. A path matches when it or a directory above it
    does (`vendor/` matches `vendor/x/y.yaml`)."""
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    pat = _compiled_glob(pattern)
    if pat is None:
        return False
    base = pattern[:-3]
    if pattern.endswith("/**") and glob_match(rel_path, "/" + base.lstrip("/") + "/"):
        return True  # `dir/**`: the directory itself too (nothing of it is left to scan)
    parts = [p for p in rel_path.split("/") if p and p != "."]
    for i in range(len(parts), 0, -1):
        text = parts[i - 1] if not pat.anchored else "/".join(parts[:i])
        if pat.regex.match(text):
            return True
    return False


@functools.lru_cache(maxsize=4096)
def _compiled_glob(pattern: str):
    from .gitignore import parse_lines

    text = pattern.strip()
    while text.startswith("./"):
        text = text[2:]
    if text.startswith("!"):
        text = "\\" + text  # a literal `!`: negation has no meaning in a list of globs
    pats = parse_lines([text])
    return pats[0] if pats else None


def _as_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"`{key}` must be a list of strings")


def _from_table(table: dict[str, Any], source: Path) -> Config:
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) in deploylint configuration: {', '.join(unknown)}"
        )
    cfg = Config(source=source, base_dir=source.parent)
    if "select" in table:
        cfg.select = _as_list(table["select"], "select")
    if "extend-select" in table:
        cfg.extend_select = _as_list(table["extend-select"], "extend-select")
    if "ignore" in table:
        cfg.ignore = _as_list(table["ignore"], "ignore")
    if "per-file-ignores" in table:
        pfi = table["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise ConfigError("`per-file-ignores` must be a table of glob = [codes]")
        cfg.per_file_ignores = {k: _as_list(v, f"per-file-ignores.{k}") for k, v in pfi.items()}
    for key in ("exclude", "extend-exclude"):
        if key in table:
            cfg.exclude.extend(_as_list(table[key], key))
    if "extend-exclude" in table:
        cfg.extend_exclude = _as_list(table["extend-exclude"], "extend-exclude")
    if "low-temperature" in table:
        v = table["low-temperature"]
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
            raise ConfigError("`low-temperature` must be a non-negative number")
        cfg.low_temperature = float(v)
    if "max-file-size" in table:
        v = table["max-file-size"]
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise ConfigError("`max-file-size` must be a positive integer (bytes)")
        cfg.max_file_size = v
    if "respect-gitignore" in table:
        if not isinstance(table["respect-gitignore"], bool):
            raise ConfigError("`respect-gitignore` must be true or false")
        cfg.respect_gitignore = table["respect-gitignore"]
    if "fail-on" in table:
        v = table["fail-on"]
        if v not in FAIL_ON_CHOICES:
            raise ConfigError(f"`fail-on` must be one of {', '.join(FAIL_ON_CHOICES)}")
        cfg.fail_on = v
    for key in ("engines", "models"):
        if key in table:
            t = table[key]
            if not isinstance(t, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in t.items()
            ):
                raise ConfigError(f"`{key}` must be a table of strings")
            setattr(cfg, key, dict(t))
    from .engines import KNOWN_ENGINES

    bad = sorted(set(cfg.engines) - set(KNOWN_ENGINES))
    if bad:
        raise ConfigError(
            f"unknown engine(s) in [engines]: {', '.join(bad)} (known: {', '.join(KNOWN_ENGINES)})"
        )
    return cfg


def load_file(path: Path) -> Config:
    if sys.version_info >= (3, 11):  # imported here: most scans have no configuration file
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read {path}: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("deploylint")
        if table is None:
            return Config(source=path, base_dir=path.parent)
    else:
        table = data.get("tool", {}).get("deploylint", data) if "tool" in data else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.deploylint] must be a table")
    return _from_table(table, path)


def find_config(start: Path) -> Path | None:
    here = start if start.is_dir() else start.parent
    here = here.resolve()
    for d in (here, *here.parents):
        dl = d / ".deploylint.toml"
        if dl.is_file():
            return dl
        pp = d / "pyproject.toml"
        if pp.is_file():
            try:
                if "[tool.deploylint" in pp.read_text(encoding="utf-8", errors="replace"):
                    return pp
            except OSError:
                pass
        if (d / ".git").exists():
            break
    return None


def load(explicit: Path | None, start: Path) -> Config:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        return load_file(explicit)
    found = find_config(start)
    if found is None:
        return Config()
    return load_file(found)
