"""DPL102 chat-template-drift: serve the template the model was fine-tuned with — export the
LLaMA-Factory template as a Jinja file beside the launch (`deploylint export-template`) and pass
it with `--chat-template` (unsafe: a new file, and a path the server must see as written)."""

from __future__ import annotations

import re
from pathlib import Path

from ...location import safe_exists
from .. import UNSAFE, Fix
from ..text import insert_words, replace_in_word

ENGINES = ("vllm", "sglang")  # `--chat-template` takes a Jinja file path


def fix(finding, ctx) -> Fix | None:
    ev = finding.evidence
    spec = ev.get("training_template_spec")
    if not isinstance(spec, str) or ev.get("engine") not in ENGINES:
        return None
    launch = ctx.launch_at(finding.loc)
    if launch is None:
        return None
    placed = _placement(ctx, launch, spec)
    if placed is None:
        return None
    host_path, served = placed
    from ...render_cmd import RenderUsageError, export_template

    try:
        text = export_template(spec, ev.get("training_default_system"))
    except (RenderUsageError, ValueError, KeyError):
        return None
    if not text.endswith("\n"):
        text += "\n"
    creates = {}
    if safe_exists(host_path):
        try:
            if host_path.read_text(encoding="utf-8") != text:
                return None  # a different file of that name: leave it alone
        except (OSError, UnicodeDecodeError):
            return None
    else:
        creates[host_path] = text
    occ = launch.args.last("chat_template")
    if occ is not None and occ.values:
        tok = occ.values[0]
        edit = replace_in_word(ctx, tok.loc, tok.text, served)
    elif launch.model is not None and launch.model.token is not None:
        edit = insert_words(ctx, launch.model.token.loc, ["--chat-template", served], after=True)
    else:
        edit = None
    if edit is None:
        return None
    return Fix(
        f"write the fine-tuning template ({spec}) to {host_path.name} and serve it with "
        f"--chat-template {served}",
        [edit],
        UNSAFE,
        creates,
    )


def _placement(ctx, launch, spec: str) -> tuple[Path, str] | None:
    """Where the exported file goes on this machine, and the path the server is given."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", spec.split(":", 1)[1]).strip("-") + "-training.jinja"
    project = ctx.project
    for vol in launch.volumes:  # a container: a bind-mounted directory of the repository
        host = vol.host_dir
        if host is not None and host.is_dir() and project.inside_roots(host):
            return host / name, vol.target.rstrip("/") + "/" + name
    if launch.context == "shell script":  # relative to the script, as deploylint resolves it
        return launch.base_dir / name, "./" + name
    return None
