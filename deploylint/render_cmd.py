"""`deploylint render` and `deploylint export-template`.

render: the exact prompt string each engine builds for a model or a deployment, with special
tokens and whitespace made visible, and a diff against the first engine (the reference). This is
the tool to reach for when "the output differs between frameworks".
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engines.cli import ParsedArgs, Token
from .facts import Launch, ModelRef
from .location import Loc
from .templates.resolve import Prompting, RenderError, lf_prompting, resolve, resolve_transformers

DEFAULT_MESSAGES = [{"role": "user", "content": "Who created you? Answer in one short sentence."}]
ENGINES = ("transformers", "vllm", "lmdeploy", "sglang", "tgi", "llamafactory")


class RenderUsageError(ValueError):
    pass


@dataclass
class Rendered:
    label: str
    source: str
    text: str | None
    error: str | None = None


def parse_engine(spec: str) -> tuple[str, str | None, str | None]:
    """`vllm@0.6.0` → ("vllm", "0.6.0", None); `llamafactory:qwen@0.9.1` → ("llamafactory",
    "0.9.1", "qwen")."""
    s = spec.strip()
    template = None
    if s.lower().startswith("llamafactory:"):
        rest = s.split(":", 1)[1]
        template, _, version = rest.partition("@")
        return "llamafactory", version or None, template
    name, _, version = s.partition("@")
    name = name.lower()
    if name not in ENGINES:
        raise RenderUsageError(
            f"unknown engine `{name}` (one of {', '.join(ENGINES)}; "
            "llamafactory:TEMPLATE[@VERSION])"
        )
    return name, version or None, template


def load_messages(path: Path | None) -> list[dict[str, Any]]:
    if path is None:
        return [dict(m) for m in DEFAULT_MESSAGES]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise RenderUsageError(f"cannot read messages from {path}: {e}") from None
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        data = data["messages"]
    if not isinstance(data, list) or not all(isinstance(m, dict) and "role" in m for m in data):
        raise RenderUsageError(f"{path}: expected a JSON list of {{role, content}} messages")
    return data


def _launch_for(engine: str, version: str | None, ref: str, md, base: Path) -> Launch:
    tok = Token(ref, Loc(base))
    launch = Launch(
        engine,
        f"render --engine {engine}",
        Loc(base),
        [tok],
        ParsedArgs([], [tok]),
        "deploylint render",
        base,
    )
    mr = ModelRef(ref, tok)
    mr.directory = md
    launch.model = mr
    from .facts import EngineVersion

    launch.version = EngineVersion(
        engine, version, version is not None, "given with --engine" if version else "newest known"
    )
    return launch


def prompting_for(
    project, engine: str, version: str | None, template: str | None, ref: str, md, base: Path
) -> Prompting:
    if engine == "transformers":
        return resolve_transformers(md, version)
    if engine == "llamafactory":
        return lf_prompting(template or "", version, None, md)
    if version is None:
        from .engines import newest_release

        version = newest_release(engine)
    launch = _launch_for(engine, version, ref, md, base)
    launch.args = ParsedArgs({}, [launch.tokens[0]])
    return resolve(project, launch)


def render_all(items: list[tuple[str, Prompting]], messages, gen: bool) -> list[Rendered]:
    out = []
    for label, p in items:
        if p.kind in ("none", "unknown"):
            out.append(Rendered(label, p.source, None, p.failure or p.source))
            continue
        try:
            out.append(Rendered(label, p.source, p.render([dict(m) for m in messages], gen)))
        except RenderError as e:
            out.append(Rendered(label, p.source, None, str(e)))
    return out


_SPECIAL = re.compile(
    r"(<\|[^|<>]{1,40}\|>|<(?:/?s|eos|bos|unk|start_of_turn|end_of_turn|"
    r"think|/think)>|\[/?INST\]|\[/?SYSTEM_PROMPT\])"
)


def visible(text: str, color: bool = False) -> str:
    """Special tokens bracketed (or coloured), newlines as ↵, tabs as →, trailing spaces as ·,
    other control characters as escapes."""
    from .escape import visible as escape_visible

    def mark(m: re.Match[str]) -> str:
        return f"\033[1;35m{m.group(0)}\033[0m" if color else f"⟦{m.group(0)}⟧"

    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        stripped = line.rstrip(" ")
        line = stripped + "·" * (len(line) - len(stripped))
        line = line.replace("\t", "→")
        line = escape_visible(line)  # other control and bidi characters as escapes (escape.py)
        line = _SPECIAL.sub(mark, line)
        out.append(line + ("↵" if i < len(lines) - 1 else ""))
    return "\n".join(out)


def format_report(results: list[Rendered], color: bool = False) -> str:
    out: list[str] = []
    for r in results:
        out.append(f"== {r.label} — {r.source}")
        if r.text is None:
            out.append(f"   (no prompt: {r.error})")
        else:
            out.append(visible(r.text, color))
        out.append("")
    ref = next((r for r in results if r.text is not None), None)
    if ref is not None:
        for r in results:
            if r is ref or r.text is None:
                continue
            if r.text == ref.text:
                out.append(f"== {r.label}: identical to {ref.label}")
                continue
            out.append(f"== diff {ref.label} → {r.label}")
            a = visible(ref.text).splitlines()
            b = visible(r.text).splitlines()
            out.extend(difflib.unified_diff(a, b, ref.label, r.label, lineterm="", n=1))
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def run(
    target: str,
    engines: list[str],
    messages_file: Path | None,
    gen: bool,
    color: bool,
    cwd: Path,
    fmt: str = "text",
) -> str:
    from .config import Config
    from .link.models import MODEL_DIR_MARKERS
    from .link.project import Project

    messages = load_messages(messages_file)
    path = Path(target)
    items: list[tuple[str, Prompting]] = []
    project = Project(Config(), [cwd])
    if path.is_dir() and any((path / n).exists() for n in MODEL_DIR_MARKERS):
        md = project.model_dir(path.resolve())
        ref = target.rstrip("/")
        specs = engines or ["transformers"]
        for spec in specs:
            engine, version, tmpl = parse_engine(spec)
            p = prompting_for(project, engine, version, tmpl, ref, md, path.resolve().parent)
            items.append(
                (
                    p.label
                    if engine != "llamafactory"
                    else f"LLaMA-Factory {tmpl}@{version or 'newest'}",
                    p,
                )
            )
    elif path.exists():
        from .runner import scan

        result = scan([path], Config(), select=[], cwd=cwd)
        project = result.project
        from .checks.templates_common import training_prompting

        for d in project.deployments:
            p = d.prompting
            items.append((f"{p.label} — {d.context}", p))
            own = d.reference
            if own.kind == "jinja" and p.source != own.source:
                items.append((f"transformers (model's own) — {d.context}", own))
            tr = training_prompting(d)
            if tr is not None:
                items.append((f"training template — {tr[2]}", tr[0]))
        if engines:
            raise RenderUsageError(
                "--engine is for a model directory or a model id; a repository renders its own "
                "deployments"
            )
    else:
        # A hub id: the HF cache if present, else engines that need no model files.
        from .link.models import hf_cache

        md = hf_cache(target)
        specs = engines or ["transformers"]
        for spec in specs:
            engine, version, tmpl = parse_engine(spec)
            p = prompting_for(project, engine, version, tmpl, target, md, cwd)
            items.append(
                (
                    p.label
                    if engine != "llamafactory"
                    else f"LLaMA-Factory {tmpl}@{version or 'newest'}",
                    p,
                )
            )
    results = render_all(items, messages, gen)
    if fmt == "json":
        return (
            json.dumps(
                [
                    {"engine": r.label, "source": r.source, "prompt": r.text, "error": r.error}
                    for r in results
                ],
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    return format_report(results, color)


def export_template(spec: str, default_system: str | None) -> str:
    from .templates import llamafactory as lf

    text = spec.strip()
    if not text.lower().startswith("llamafactory:"):
        raise RenderUsageError("--from must look like llamafactory:TEMPLATE[@VERSION]")
    try:
        return lf.export_template(text, default_system=default_system)
    except ValueError as e:
        raise RenderUsageError(str(e)) from None
