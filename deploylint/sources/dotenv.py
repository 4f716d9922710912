"""`.env` files: KEY=value lines (compose interpolation, `env_file:`)."""

from __future__ import annotations

import re
from pathlib import Path

from ..location import SourceFile, split_lines
from ..shell import EnvValue
from . import FileFacts

# (The value is stripped in Python: a lazy `(.*?)\s*$` is quadratic on long runs of blanks.)
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*=(.*)$")


def parse_dotenv(text: str, path: Path) -> dict[str, EnvValue]:
    out: dict[str, EnvValue] = {}
    for i, line in enumerate(split_lines(text), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out[key] = EnvValue(value, f"{path.name}:{i}")
    return out


def parse(sf: SourceFile, facts: FileFacts) -> None:
    facts.data["dotenv"] = parse_dotenv(sf.text, sf.path)
