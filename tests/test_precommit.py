"""The pre-commit hooks, run by the real pre-commit against this project, offline.

`pre-commit try-repo` clones a hook repository and installs it with `language: python`
(`pip install .` in a fresh virtualenv). Done plainly, pip needs the network: build isolation
fetches `setuptools>=68` and the dependencies come from the index (checked: with `PIP_NO_INDEX=1`
alone it fails on the build dependency). The test keeps the real `language: python` path and makes
it work offline with pip's and virtualenv's own environment variables:

- ``PIP_NO_INDEX=1`` — never reach an index;
- ``PIP_NO_BUILD_ISOLATION=0`` (pip reads it as "no isolation") — build with the setuptools that
  virtualenv seeds into the hook's environment (``VIRTUALENV_SETUPTOOLS=bundle``, from the wheels
  virtualenv embeds);
- ``PIP_NO_DEPS=1`` — install deploylint alone; its runtime dependencies (PyYAML, Jinja2,
  MarkupSafe, packaging) come from this interpreter through ``PYTHONPATH`` pointing at a directory
  holding only those packages, which pre-commit passes through to the hook.

The hook repository is a temporary git repository with a commit of the files the package build
needs (pyproject.toml, README.md, deploylint/, rules/, .pre-commit-hooks.yaml).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT
from .helpers import write_tree
from .test_cli import run

needs_pre_commit = pytest.mark.skipif(
    shutil.which("git") is None or importlib.util.find_spec("pre_commit") is None,
    reason="needs git and pre-commit (the test extra)",
)

HOOK_FILES = ("pyproject.toml", "README.md", "deploylint", "rules", ".pre-commit-hooks.yaml")
RUNTIME_PACKAGES = ("yaml", "_yaml", "jinja2", "markupsafe", "packaging", "tomli")

BAD = "#!/bin/sh\nvllm serve Qwen/Qwen2.5-14B --chat-template ./templates/chatml.jinja\n"
GOOD = "#!/bin/sh\nvllm serve Qwen/Qwen2.5-7B-Instruct --port 8000\n"
ADAPTER = "#!/bin/sh\nvllm serve ./models/support-lora --port 8100\n"
ADAPTER_CONFIG = (
    '{"base_model_name_or_path": "Qwen/Qwen2.5-7B-Instruct", "peft_type": "LORA", "r": 16,'
    ' "lora_alpha": 32, "target_modules": ["q_proj", "v_proj"], "task_type": "CAUSAL_LM"}\n'
)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        [
            "git",
            "-c",
            "user.name=deploylint-test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("hook-repo")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in HOOK_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, repo / name, ignore=ignore)
        else:
            shutil.copy2(src, repo / name)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "deploylint hooks")
    return repo


@pytest.fixture(scope="module")
def offline_env(tmp_path_factory) -> dict[str, str]:
    shim = tmp_path_factory.mktemp("runtime-deps")
    for name in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        src = Path(spec.origin)
        src = src.parent if src.name == "__init__.py" else src
        (shim / src.name).symlink_to(src, target_is_directory=src.is_dir())
    env = dict(os.environ)
    for key in ("PYTHONHOME", "VIRTUAL_ENV", "PRE_COMMIT", "PIP_REQUIRE_VIRTUALENV"):
        env.pop(key, None)
    env.update(
        {
            "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_INDEX": "1",
            "PIP_NO_BUILD_ISOLATION": "0",
            "PIP_NO_DEPS": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "VIRTUALENV_SETUPTOOLS": "bundle",
            "VIRTUALENV_NO_PERIODIC_UPDATE": "1",
            "VIRTUALENV_NO_DOWNLOAD": "1",
            "PYTHONPATH": str(shim),
            "NO_COLOR": "1",
        }
    )
    return env


def _consumer(tmp_path: Path, files: dict[str, str]) -> Path:
    write_tree(tmp_path, files)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    return tmp_path


def try_repo(hook_repo: Path, env: dict, cwd: Path, hook: str, *files: str):
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--files", *files],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
    )


@needs_pre_commit
def test_check_hook_fails_on_a_bad_file_and_passes_on_a_good_one(hook_repo, offline_env, tmp_path):
    repo = _consumer(tmp_path, {"serve.sh": BAD, "chat.sh": GOOD})
    bad = try_repo(hook_repo, offline_env, repo, "deploylint-check", "serve.sh")
    out = bad.stdout + bad.stderr
    assert bad.returncode == 1, out
    assert "deploylint (changed files)" in out and "Failed" in out
    assert "serve.sh:2:12: DPL201 [error]" in out
    # the bad file is in the repository, but only the file being committed is reported
    good = try_repo(hook_repo, offline_env, repo, "deploylint-check", "chat.sh")
    out = good.stdout + good.stderr
    assert good.returncode == 0, out
    assert "Passed" in out and "DPL201" not in out


@needs_pre_commit
def test_check_hook_reads_the_repository_for_context(hook_repo, offline_env, tmp_path):
    # Only the launch script is committed; that ./models/support-lora is an adapter directory is
    # known from the repository, not from the file passed.
    repo = _consumer(
        tmp_path,
        {"serve-adapter.sh": ADAPTER, "models/support-lora/adapter_config.json": ADAPTER_CONFIG},
    )
    p = try_repo(hook_repo, offline_env, repo, "deploylint-check", "serve-adapter.sh")
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert "serve-adapter.sh:2:12: DPL301 [error]" in out


@needs_pre_commit
def test_hook_manifest_selects_the_right_files(tmp_path):
    """pre-commit's own manifest validation and file classification (no install)."""
    from pre_commit.clientlib import load_manifest
    from pre_commit.commands.run import Classifier, filter_by_include_exclude

    hooks = {h["id"]: h for h in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"deploylint", "deploylint-check", "deploylint-check-modelfile"}
    assert hooks["deploylint"]["pass_filenames"] is False
    for hid in ("deploylint-check", "deploylint-check-modelfile"):
        assert hooks[hid]["entry"] == "deploylint check --force-exclude"
        assert hooks[hid]["require_serial"] is True and hooks[hid]["pass_filenames"] is True
    names = {
        "compose.yaml": "services: {}\n",
        "k8s/serve.yml": "kind: Pod\n",
        "Dockerfile.cuda": "FROM x\n",
        "vllm.Dockerfile": "FROM x\n",
        "serve": "#!/bin/bash\nvllm serve x\n",
        "run.sh": "vllm serve x\n",
        "app.py": "print(1)\n",
        "models/m/config.json": "{}\n",
        "pyproject.toml": "[project]\n",
        "templates/chat.jinja": "{{ x }}\n",
        "deploy/prod.env": "A=1\n",
        "ollama/Modelfile": "FROM qwen2.5\n",
        "ollama/qwen.modelfile": "FROM qwen2.5\n",
        "README.md": "# x\n",
        "weights/model.safetensors": "",
    }
    write_tree(tmp_path, names)
    (tmp_path / "serve").chmod(0o755)  # identify reads shebangs of executable files only
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        classifier = Classifier(sorted(names))

        def selected(hid: str) -> set[str]:
            h = hooks[hid]
            files = filter_by_include_exclude(classifier.filenames, h["files"], h["exclude"])
            return set(classifier.by_types(files, h["types"], h["types_or"], h["exclude_types"]))

        per_file = selected("deploylint-check")
        modelfiles = selected("deploylint-check-modelfile")
    finally:
        os.chdir(cwd)
    assert modelfiles == {"ollama/Modelfile", "ollama/qwen.modelfile"}
    assert per_file | modelfiles == set(names) - {"README.md", "weights/model.safetensors"}


# --- `deploylint check FILE…` without pre-commit -----------------------------------------------


def test_check_command_reports_only_the_files_given(tmp_path):
    write_tree(
        tmp_path,
        {
            "serve.sh": BAD,
            "chat.sh": GOOD,
            "serve-adapter.sh": ADAPTER,
            "models/support-lora/adapter_config.json": ADAPTER_CONFIG,
            "output/merged/config.json": '{"model_type": "llama", "vocab_size": 128256}\n',
            "output/merged/model.safetensors": "",
        },
    )
    p = run(["check", "chat.sh"], tmp_path)
    assert p.returncode == 0 and "No findings" in p.stdout, p.stdout + p.stderr
    p = run(["check", "--format", "json", "serve-adapter.sh", "serve.sh"], tmp_path)
    doc = json.loads(p.stdout)
    assert p.returncode == 1
    assert sorted((f["path"], f["code"]) for f in doc["findings"]) == [
        ("serve-adapter.sh", "DPL301"),
        ("serve.sh", "DPL201"),
    ]
    # a file inside a model directory brings in the findings about that directory
    doc = json.loads(
        run(["check", "--format", "json", "output/merged/config.json"], tmp_path).stdout
    )
    assert [(f["path"], f["line"]) for f in doc["findings"]] == [("output/merged", None)]
    # from a subdirectory: paths stay relative to where it runs
    p = run(["check", "--format", "json", "../serve.sh"], tmp_path / "output")
    assert [f["path"] for f in json.loads(p.stdout)["findings"]] == ["../serve.sh"]
    # nothing to check (pre-commit found no matching file): clean
    p = run(["check"], tmp_path)
    assert p.returncode == 0


# --- the severity gate (`--fail-on`) through the real pre-commit ------------------------------

# A base model served with nothing in the repository showing chat use: DPL201 at `info` only.
INFO_ONLY = "#!/bin/sh\nvllm serve Qwen/Qwen2.5-7B --port 8000\n"


def _run_config(hook_repo: Path, env: dict, repo: Path, args: list[str] | None):
    """`pre-commit run` with a .pre-commit-config.yaml naming the hook repository at its commit
    (pre-commit clones a local path like any URL)."""
    rev = git(hook_repo, "rev-parse", "HEAD").strip()
    hook = {"id": "deploylint-check"}
    if args is not None:
        hook["args"] = args
    cfg = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [hook]}]}
    (repo / ".pre-commit-config.yaml").write_text(json.dumps(cfg))  # JSON is YAML
    git(repo, "add", ".pre-commit-config.yaml")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--files", "serve.sh"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
    )


@needs_pre_commit
def test_info_findings_pass_the_hook_and_fail_it_with_fail_on_info(
    hook_repo, offline_env, tmp_path
):
    repo = _consumer(tmp_path, {"serve.sh": INFO_ONLY})
    p = _run_config(hook_repo, offline_env, repo, None)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    assert "Passed" in out
    p = _run_config(hook_repo, offline_env, repo, ["--fail-on", "info"])
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert "Failed" in out and "serve.sh:2:12: DPL201 [info]" in out
    # the configuration's `fail-on` is honoured by the hook as well
    (repo / ".deploylint.toml").write_text('fail-on = "info"\n')
    p = _run_config(hook_repo, offline_env, repo, None)
    assert p.returncode == 1, p.stdout + p.stderr
