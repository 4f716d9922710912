"""Discovery: .gitignore and excludes, weights never opened, symlink loops, size cap."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pytest

from deploylint.config import Config, glob_match
from deploylint.discover import classify, discover
from deploylint.gitignore import IgnoreStack, parse_lines

from .helpers import keys, run_scan, write_tree


def rel(disc, root: Path) -> list[str]:
    return sorted(str(f.path.relative_to(root)) for f in disc.files)


def test_classification_by_name_and_shebang(tmp_path):
    assert classify(Path("Dockerfile")) == "dockerfile"
    assert classify(Path("vllm.Dockerfile")) == "dockerfile"
    assert classify(Path("Dockerfile.cuda")) == "dockerfile"
    assert classify(Path("docker-compose.prod.yml")) == "compose"
    assert classify(Path("compose.yaml")) == "compose"
    assert classify(Path("requirements-gpu.txt")) == "requirements"
    assert classify(Path("Modelfile")) == "modelfile"
    assert classify(Path("config.json")) == "model-file"
    assert classify(Path("model-00001-of-00004.safetensors")) is None
    assert classify(Path("tokenizer.model")) is None
    assert classify(Path("run"), b"#!/usr/bin/env bash\n") == "shell"
    assert classify(Path("run"), b"#!/usr/bin/python3\n") == "python"


def test_gitignore_semantics(tmp_path):
    pats = parse_lines(["*.log", "/build", "out/", "!keep.log", "docs/**/draft*", "\\#literal"])
    st = IgnoreStack().push(tmp_path, pats)
    assert st.ignored(tmp_path / "a" / "x.log", False)
    assert not st.ignored(tmp_path / "keep.log", False)
    assert st.ignored(tmp_path / "build", True)
    assert not st.ignored(tmp_path / "src" / "build", True)  # anchored
    assert st.ignored(tmp_path / "x" / "out", True)
    assert not st.ignored(tmp_path / "x" / "out", False)  # dir-only pattern
    assert st.ignored(tmp_path / "docs" / "a" / "b" / "draft1.md", False)
    assert st.ignored(tmp_path / "#literal", False)


def test_discovery_respects_gitignore_and_excludes(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(
        tmp_path,
        {
            ".gitignore": "ignored/\n*.tmp.yaml\n",
            "deploy/.gitignore": "local.sh\n",
            "deploy/serve.sh": "vllm serve m\n",
            "deploy/local.sh": "vllm serve m\n",
            "ignored/compose.yaml": "services: {}\n",
            "x.tmp.yaml": "a: 1\n",
            "vendor/k8s.yaml": "a: 1\n",
            "node_modules/compose.yaml": "services: {}\n",
        },
    )
    cfg = Config(exclude=["vendor/"], base_dir=tmp_path)
    assert rel(discover([tmp_path], cfg), tmp_path) == ["deploy/serve.sh"]
    cfg = Config(respect_gitignore=False, base_dir=tmp_path)
    assert "ignored/compose.yaml" in rel(discover([tmp_path], cfg), tmp_path)


def test_gitignore_of_parent_directories_applies_to_a_subdirectory_scan(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {".gitignore": "*.sh\n", "sub/serve.sh": "x\n", "sub/c.yaml": "a: 1\n"})
    assert rel(discover([tmp_path / "sub"], Config()), tmp_path) == ["sub/c.yaml"]


def test_weight_files_are_never_opened(tmp_path, monkeypatch):
    write_tree(
        tmp_path,
        {
            "m/config.json": '{"model_type": "llama"}',
            "m/model.safetensors": "x",
            "m/pytorch_model.bin": "x",
            "m/model.gguf": "x",
            "m/tokenizer.model": "x",
            "serve.sh": "vllm serve ./m\n",
        },
    )
    opened: list[str] = []
    real_open = builtins.open

    def spy(file, *a, **k):
        opened.append(str(file))
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", spy)
    real_read_bytes = Path.read_bytes

    def spy_rb(self):
        opened.append(str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", spy_rb)
    run_scan(tmp_path)
    bad = [p for p in opened if p.endswith((".safetensors", ".bin", ".gguf", "tokenizer.model"))]
    assert bad == []


def test_symlink_loop_terminates(tmp_path):
    write_tree(tmp_path, {"a/serve.sh": "vllm serve Qwen/Qwen2.5-7B-Instruct\n"})
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    os.symlink(tmp_path / "a", tmp_path / "a" / "self")
    disc = discover([tmp_path], Config())
    assert rel(disc, tmp_path) == ["a/serve.sh"]


def test_oversize_file_is_a_finding_not_a_stall(tmp_path):
    write_tree(tmp_path, {"big.yaml": "services:\n" + "# pad\n" * 5000})
    cfg = Config(max_file_size=1000)
    result = run_scan(tmp_path, cfg=cfg)
    assert keys(result) == ["big.yaml DPL000"]
    assert "max-file-size" in result.findings[0].message


def test_binary_and_invalid_utf8_are_findings(tmp_path):
    (tmp_path / "a.yaml").write_bytes(b"model: \xff\xfe vllm\n")
    (tmp_path / "b.sh").write_bytes(b"vllm serve \x00\x01\x02\n")
    result = run_scan(tmp_path)
    assert keys(result) == ["a.yaml DPL000", "b.sh DPL000"]


def test_unreadable_file_is_a_finding(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    p = tmp_path / "serve.sh"
    p.write_text("vllm serve m\n")
    p.chmod(0)
    try:
        assert keys(run_scan(tmp_path)) == ["serve.sh DPL000"]
    finally:
        p.chmod(0o644)


def test_glob_match():
    assert glob_match("deploy/bench/run.sh", "bench/*.sh") is False
    assert glob_match("bench/run.sh", "bench/*.sh")
    assert glob_match("a/b/run.sh", "*.sh")
    assert glob_match("vendor/x/y.yaml", "vendor/")
    assert glob_match("vendor", "vendor/**")


@pytest.mark.parametrize(
    "pattern",
    [
        "charts/*/templates/",
        "vendor/",
        "*.bak",
        "charts/**/tests/",
        "/deploy/base\\ line.json",
        "dir/**",
        "!weird",
        "[ab]x/y",
        "**/gen/*.yaml",
        "./x/y.sh",
    ],
)
def test_discovery_excludes_as_glob_match(pattern):
    """Discovery compiles `exclude` into joined regexes (thousands of patterns stay cheap): it
    must decide as config.glob_match does, pattern by pattern and all together."""
    from deploylint.discover import _Excluder

    paths = [
        "charts/a/templates/serve.sh",
        "charts/a/b/templates/serve.sh",
        "vendor/x/y.yaml",
        "a/vendor/z",
        "d/x.bak",
        "charts/q/r/tests/t.yaml",
        "deploy/base line.json",
        "deploy/base line.jsonx",
        "dir",
        "dir/x",
        "!weird",
        "ax/y",
        "bx/y/z",
        "cx/y",
        "p/q/gen/a.yaml",
        "x/y.sh",
        "y/x/y.sh",
    ]
    ex = _Excluder(Config(exclude=[pattern]))
    assert [p for p in paths if ex(p)] == [p for p in paths if glob_match(p, pattern)]
    assert any(ex(p) for p in paths)
