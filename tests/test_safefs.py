"""The tree is a jail (deploylint/safefs.py), the cache never writes through a symlink
(deploylint/cache.py), git runs without the scanned repository's commands (diffmode.py), and
text output escapes what the repository holds (deploylint/escape.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from deploylint import cache, safefs
from deploylint.config import Config
from deploylint.escape import no_surrogates, visible
from deploylint.location import read_bytes
from deploylint.runner import scan

SERVE = "vllm serve meta-llama/Llama-3.1-8B --port 8000\n"


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    tree, out = tmp_path / "tree", tmp_path / "outside"
    tree.mkdir()
    out.mkdir()
    return tree, out


# -- reading ---------------------------------------------------------------------------------------


def test_jail_refuses_reads_outside_the_roots(tmp_path):
    tree, out = _tree(tmp_path)
    secret = out / "secret.env"
    secret.write_text("TOKEN=s3cret\n")
    inside = tree / "a.sh"
    inside.write_text(SERVE)
    os.symlink(secret, tree / "link.env")
    os.symlink(inside, tree / "alias.sh")
    jail = safefs.Jail([tree])
    with safefs.confined(jail):
        assert read_bytes(inside) == SERVE.encode()
        assert read_bytes(tree / "alias.sh") == SERVE.encode()  # a symlink that stays inside
        for p in (secret, tree / "link.env", tree / ".." / "outside" / "secret.env"):
            with pytest.raises(safefs.OutsideTree):
                read_bytes(p)
        assert read_bytes(secret, trusted=True)  # deploylint's own files (the cache key)
    assert read_bytes(secret)  # no scan, no jail
    trusted = safefs.Jail([tree], trusted=[out])
    assert trusted.allows(secret) and not trusted.inside_roots(secret)


def test_a_file_root_jails_its_directory(tmp_path):
    tree, out = _tree(tmp_path)
    (out / "x.yaml").write_text("services: {}\n")
    os.symlink(out / "x.yaml", tree / "compose.yaml")
    jail = safefs.Jail([tree / "compose.yaml"])
    assert jail.roots == (os.path.realpath(tree),)  # not the target's directory
    assert not jail.allows(tree / "compose.yaml")


def test_symlinks_out_of_the_tree_are_skipped_not_read(tmp_path):
    tree, out = _tree(tmp_path)
    (out / "secrets.env").write_text("MODEL=very-secret-model\n")
    (out / "model").mkdir()
    (out / "model" / "config.json").write_text('{"model_type": "very-secret-type"}')
    os.symlink(out / "secrets.env", tree / ".env")
    os.symlink(out / "model", tree / "model")
    os.symlink("/", tree / "rootfs")
    (tree / "compose.yaml").write_text(
        "services:\n  v:\n    image: vllm/vllm-openai:v0.6.3\n    env_file: [.env]\n"
        '    command: ["--model", "${MODEL}"]\n'
    )
    (tree / "serve.sh").write_text(f"vllm serve {out / 'model'} --chat-template ../outside/x\n")
    r = scan([tree], Config(), cwd=tree)
    assert r.internal_errors == []
    # Not findings (real repositories have such links): skipped, listed for --verbose.
    assert [f for f in r.findings if f.code == "DPL000"] == []
    links = {p.relative_to(tree).as_posix(): why for p, why in r.skipped_links}
    assert "symlink to a file outside the scanned tree" in links[".env"]
    assert "symlink to a directory outside the scanned tree" in links["model"]
    assert "symlink to a directory outside the scanned tree" in links["rootfs"]
    text = json.dumps([f.to_json() for f in r.findings])
    assert "very-secret" not in text
    assert all(Path(p).resolve().is_relative_to(tree.resolve()) for p in r.project.files)


def test_in_tree_directory_links_and_loops_are_not_descended(tmp_path):
    tree, _ = _tree(tmp_path)
    (tree / "d").mkdir()
    (tree / "d" / "serve.sh").write_text(SERVE)
    os.symlink("d", tree / "again")  # the same directory under another name
    os.symlink("..", tree / "d" / "up")  # a loop
    r = scan([tree], Config(), cwd=tree)
    assert [p.relative_to(tree).as_posix() for p in r.project.files] == ["d/serve.sh"]
    assert [f for f in r.findings if f.code == "DPL000"] == []  # nothing to report: inside


def test_dangling_and_looping_symlinks_are_skipped_silently(tmp_path, capsys):
    tree, _ = _tree(tmp_path)
    (tree / "serve.sh").write_text(SERVE)
    os.symlink("gone.yaml", tree / "compose.yaml")  # dangling, named like a file we read
    os.symlink("missing-dir", tree / "models")  # dangling, no file kind
    os.symlink("self.env", tree / "self.env")  # a loop
    (tree / "fifo.sh").unlink(missing_ok=True)
    os.mkfifo(tree / "fifo.sh")  # a real special file in the tree: still reported
    r = scan([tree], Config(), cwd=tree)
    assert r.internal_errors == []
    dpl000 = {f.path: (f.severity, f.message) for f in r.findings if f.code == "DPL000"}
    assert list(dpl000) == ["fifo.sh"], dpl000
    assert "not a regular file" in dpl000["fifo.sh"][1]
    links = {p.name: why for p, why in r.skipped_links}
    assert "dangling symlink" in links["compose.yaml"]
    assert "dangling symlink" in links["self.env"]
    # a file named on the command line that is a dangling link (pre-commit passes those)
    r = scan([tree / "compose.yaml"], Config(), cwd=tree)
    assert [f for f in r.findings if f.code == "DPL000"] == []


def test_verbose_lists_skipped_links_escaped(tmp_path, capsys, monkeypatch):
    from deploylint.cli import main

    tree, out = _tree(tmp_path)
    (tree / "serve.sh").write_text(SERVE)
    os.symlink(out, tree / "evil\x1b[31mlink")  # an escape sequence in the name
    monkeypatch.chdir(tree)
    rc = main(["scan", "--no-cache", "--verbose", "."])
    err = capsys.readouterr().err
    assert rc in (0, 1)
    assert "not scanned: symlink to a directory outside the scanned tree" in err
    assert "\x1b" not in err  # the escape character is shown escaped, never sent raw
    rc = main(["scan", "--no-cache", "."])
    assert "symlink" not in capsys.readouterr().err


# -- writing the cache -----------------------------------------------------------------------------


def test_a_planted_cache_symlink_is_not_used(tmp_path, monkeypatch):
    tree, out = _tree(tmp_path)
    monkeypatch.delenv("DEPLOYLINT_CACHE_DIR", raising=False)
    os.symlink(out, tree / ".deploylint_cache")
    assert cache.default_dir(tree) != tree / ".deploylint_cache"
    # and written through anyway: refused (O_NOFOLLOW on the directory)
    with pytest.raises(OSError):
        cache.write_signed(tree / ".deploylint_cache", tree / ".deploylint_cache/v1/x.json", {})
    assert list(out.iterdir()) == []


def test_cache_files_are_never_written_through_a_symlink(tmp_path, monkeypatch):
    tree, out = _tree(tmp_path)
    victim = out / "victim"
    victim.write_text("keep\n")
    d = tree / ".deploylint_cache"
    d.mkdir()
    os.symlink(victim, d / ".gitignore")
    (d / "v1").mkdir()
    os.symlink(victim, d / "v1" / "result.json")
    cache.write_signed(d, d / "v1" / "result.json", {"a": 1})
    assert victim.read_text() == "keep\n"
    assert (d / ".gitignore").is_symlink()  # left alone, not written through
    assert not (d / "v1" / "result.json").is_symlink()  # replaced by a file
    assert cache.read_signed(d / "v1" / "result.json") == {"a": 1}
    shutil.rmtree(d / "v1")
    os.symlink(out, d / "v1")
    with pytest.raises(OSError):
        cache.write_signed(d, d / "v1" / "result.json", {"a": 1})
    assert cache.read_signed(d / "v1" / "result.json") is None
    assert sorted(p.name for p in out.iterdir()) == ["victim"]


# -- git -------------------------------------------------------------------------------------------

PLANT = '#!/bin/sh\necho "$0" >> {marker}\nexit 0\n'


def _planted_repo(tmp_path: Path) -> tuple[Path, Path]:
    repo, out = _tree(tmp_path)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(out)}

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=repo,
            check=True,
            capture_output=True,
            env=env,
        )

    git("init", "-q")
    (repo / "serve.sh").write_text(SERVE)
    (repo / ".gitattributes").write_text("*.sh filter=evil diff=evil\n")
    git("add", "-A")
    git("commit", "-q", "-m", "x")
    marker = out / "MARKER"
    hook = out / "plant.sh"
    hook.write_text(PLANT.format(marker=marker))
    hook.chmod(0o755)
    with open(repo / ".git" / "config", "a") as fh:
        fh.write(
            f"[core]\n\tfsmonitor = {hook}\n\tpager = {hook}\n"
            f'[filter "evil"]\n\tclean = {hook}\n\tprocess = {hook}\n\trequired = true\n'
            f'[diff "evil"]\n\tcommand = {hook}\n\ttextconv = {hook}\n[diff]\n\texternal = {hook}\n'
        )
    (repo / "serve.sh").write_text(SERVE + "vllm serve gpt2 --port 8001\n")
    os.utime(repo / "serve.sh", (1, 1))  # stat info differs from the index: git must read it
    return repo, marker


@pytest.mark.skipif(shutil.which("git") is None, reason="git")
def test_planted_git_configuration_runs_with_plain_git(tmp_path):
    """The trap works: git itself, run the ordinary way, executes the planted commands (so the
    test below can fail)."""
    repo, marker = _planted_repo(tmp_path)
    subprocess.run(["git", "diff", "HEAD"], cwd=repo, capture_output=True)
    assert marker.exists()


@pytest.mark.skipif(shutil.which("git") is None, reason="git")
def test_diff_mode_runs_no_command_from_the_scanned_repository(tmp_path, monkeypatch, capsys):
    from deploylint.cli import main

    repo, marker = _planted_repo(tmp_path)
    monkeypatch.chdir(repo)
    for args in (["--diff", "HEAD"], ["--diff", "HEAD", "--staged"]):
        rc = main(["scan", "--no-cache", "--format", "json", *args, "."])
        assert rc in (0, 1), capsys.readouterr().err
    assert main(["check", "--no-cache", "--format", "json", "serve.sh"]) in (0, 1)
    out = capsys.readouterr()
    assert "internal error" not in out.err
    assert not marker.exists(), marker.read_text()


# -- escaping --------------------------------------------------------------------------------------


def test_visible():
    assert visible("plain – ünïcode ✓") == "plain – ünïcode ✓"
    assert visible("a\nb\r\tc") == "a\\nb\\r\\tc"
    assert visible("\x1b[31mred\x1b]0;t\x07") == "\\x1b[31mred\\x1b]0;t\\x07"
    assert visible("\x85\x9b\u202eevil\u2066\u2028") == "\\x85\\x9b\\u202eevil\\u2066\\u2028"
    assert visible("a\nb", newlines=False) == "a\nb"
    assert no_surrogates("serve\udcff.sh") == "serve\\xff.sh"
    assert no_surrogates("fine") == "fine"


def test_text_github_gitlab_escape_names_and_content(tmp_path, capsys):
    from deploylint.cli import main

    nasty = "\x1b[2J\u202eevil\r\x9b"
    (tmp_path / f"x{nasty}\nfake.sh:1: DPL201 [error] forged.sh").write_text(SERVE)
    (tmp_path / "serve.sh").write_text(f"vllm serve 'meta-llama/Llama-3.1-8B{nasty}'\n")
    for fmt in ("text", "github", "gitlab"):
        main(["scan", "--no-cache", "--format", fmt, str(tmp_path)])
        out = capsys.readouterr().out
        bad = {c for c in out if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) < 0xA0}
        assert not bad and "\u202e" not in out, (fmt, bad)
        if fmt == "text":  # a newline in a file name does not start a finding line of its own
            assert not any(line.startswith("fake.sh") for line in out.splitlines())


def test_non_utf8_file_names_are_reported_in_valid_utf8(tmp_path, capsys):
    from deploylint.cli import main

    name = os.fsencode(tmp_path) + b"/serve\xff.sh"
    with open(name, "wb") as fh:
        fh.write(SERVE.encode())
    for fmt in ("json", "sarif", "text", "github", "gitlab"):
        rc = main(["scan", "--no-cache", "--format", fmt, str(tmp_path)])
        captured = capsys.readouterr()
        assert rc in (0, 1), captured.err
        captured.out.encode("utf-8")  # strict: no lone surrogate
        if fmt == "json":
            assert any("serve\\xff.sh" in f["path"] for f in json.loads(captured.out)["findings"])
