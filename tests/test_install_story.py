"""The install story the README tells: the fresh-machine commands use a virtual environment, CI runs
the README's test command, and the pre-commit `rev:` and the Action's ref name the release tag of
this version (docs/releasing.md)."""

from __future__ import annotations

import re
import sys

from deploylint import __version__

from .conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def _fresh_machine_commands() -> list[str]:
    text = _readme()
    out = []
    for title in ("## Try it (fresh machine)", "## Run the tests (fresh machine)"):
        section = text.split(title, 1)[1].split("\n## ", 1)[0]
        (block,) = re.findall(r"```sh\n(.*?)\n```", section, re.S)
        out.append(block.strip())
    return out


def test_fresh_machine_commands_create_and_use_a_virtual_environment():
    for cmd in _fresh_machine_commands():
        assert cmd.startswith("python3 -m venv .venv && . .venv/bin/activate && "), cmd
        assert "python3 -m pip install " in cmd and "--break-system-packages" not in cmd


def test_ci_runs_the_readmes_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").replace(" --quiet", "")
    test_cmd = _fresh_machine_commands()[1]
    for step in test_cmd.split(" && "):
        assert step in ci, f"{step!r} of the README's test command is not in .ci/run"


def test_pinned_refs_name_this_versions_release_tag():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert version == __version__
    tag = f"v{version}"
    docs = {p: (ROOT / p).read_text(encoding="utf-8") for p in ("README.md", "docs/ci.md")}
    revs = [r for text in docs.values() for r in re.findall(r"^\s*rev: (\S+)", text, re.M)]
    uses = re.findall(r"uses: deploylint/deploylint@(\S+)", docs["docs/ci.md"])
    assert revs and uses
    assert set(revs) == {tag} and set(uses) == {tag}
    assert "v<version>" in (ROOT / "docs" / "releasing.md").read_text(encoding="utf-8")
