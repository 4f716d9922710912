"""Changed-lines mode: parsing unified diffs, asking git, and filtering what is reported."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from deploylint.diffmode import (
    ChangeSet,
    DiffError,
    FileChange,
    git_changes,
    parse_unified_diff,
)
from deploylint.findings import Finding
from deploylint.location import Loc

from .helpers import write_tree
from .test_cli import run

ADD = """\
diff --git a/deploy/serve.sh b/deploy/serve.sh
new file mode 100755
index 0000000..3b18e51
--- /dev/null
+++ b/deploy/serve.sh
@@ -0,0 +1,3 @@
+#!/bin/sh
+set -e
+vllm serve Qwen/Qwen2.5-14B
"""

MODIFY = """\
diff --git a/compose.yml b/compose.yml
index 1111111..2222222 100644
--- a/compose.yml
+++ b/compose.yml
@@ -3 +3 @@ services:
-    image: vllm/vllm-openai:v0.6.0
+    image: vllm/vllm-openai:v0.8.5
@@ -10,0 +11,2 @@ services:
+      - --enable-lora
+      - --max-loras=4
"""

DELETE_LINES = """\
diff --git a/serve.sh b/serve.sh
index 1111111..2222222 100644
--- a/serve.sh
+++ b/serve.sh
@@ -5,2 +4,0 @@ set -e
-  --enable-lora \\
-  --max-loras 4 \\
"""

DELETE_FILE = """\
diff --git a/old/serve.sh b/old/serve.sh
deleted file mode 100644
index 3b18e51..0000000
--- a/old/serve.sh
+++ /dev/null
@@ -1,2 +0,0 @@
-#!/bin/sh
-vllm serve x
"""

RENAME = """\
diff --git a/serve.sh b/deploy/serve-vllm.sh
similarity index 80%
rename from serve.sh
rename to deploy/serve-vllm.sh
index 1111111..2222222 100755
--- a/serve.sh
+++ b/deploy/serve-vllm.sh
@@ -2 +2 @@
-vllm serve Qwen/Qwen2.5-7B-Instruct
+vllm serve Qwen/Qwen2.5-14B
diff --git a/a.yml b/b.yml
similarity index 100%
rename from a.yml
rename to b.yml
"""

NO_NEWLINE = """\
diff --git a/serve.sh b/serve.sh
index 1111111..2222222 100644
--- a/serve.sh
+++ b/serve.sh
@@ -3 +3,2 @@
-vllm serve x
\\ No newline at end of file
+vllm serve y
+--port 8000
\\ No newline at end of file
diff --git a/other.sh b/other.sh
index 1111111..2222222 100644
--- a/other.sh
+++ b/other.sh
@@ -1 +1 @@
-a
+b
"""


def test_new_file_is_all_added():
    (fc,) = parse_unified_diff(ADD).values()
    assert (fc.path, fc.status, fc.lines) == ("deploy/serve.sh", "added", {1, 2, 3})


def test_modified_and_inserted_lines():
    (fc,) = parse_unified_diff(MODIFY).values()
    assert fc.path == "compose.yml" and fc.status == "modified"
    assert fc.lines == {3, 11, 12}
    assert fc.touched == set()


def test_deleted_lines_touch_their_neighbours():
    (fc,) = parse_unified_diff(DELETE_LINES).values()
    assert fc.lines == set()
    assert fc.touched == {4, 5}  # git names line 4 as the one before the deleted block
    assert fc.covers(4, 4) and fc.covers(5, 5) and not fc.covers(6, 8)


def test_deleted_file():
    (fc,) = parse_unified_diff(DELETE_FILE).values()
    assert (fc.path, fc.status, fc.lines) == ("old/serve.sh", "deleted", set())


def test_renames_keep_only_their_edited_lines():
    changes = parse_unified_diff(RENAME)
    assert set(changes) == {"deploy/serve-vllm.sh", "b.yml"}
    r = changes["deploy/serve-vllm.sh"]
    assert (r.status, r.old_path, r.lines) == ("renamed", "serve.sh", {2})
    pure = changes["b.yml"]
    assert (pure.status, pure.old_path, pure.lines) == ("renamed", "a.yml", set())


def test_no_newline_markers_do_not_count_as_lines():
    changes = parse_unified_diff(NO_NEWLINE)
    assert changes["serve.sh"].lines == {3, 4}
    assert changes["other.sh"].lines == {1}


def test_crlf_diff_reads_the_same():
    crlf = MODIFY.replace("\n", "\r\n")
    (fc,) = parse_unified_diff(crlf).values()
    assert fc.path == "compose.yml" and fc.lines == {3, 11, 12}


def test_context_hunks_and_lines_that_look_like_headers():
    text = """\
diff --git a/x.yml b/x.yml
--- a/x.yml
+++ b/x.yml
@@ -1,6 +1,6 @@
 a: 1
--- removed line that starts with two dashes
+++ added line that starts with two pluses
 b: 2
-c: 3
 d: 4
 e: 5
+f: 6
"""
    (fc,) = parse_unified_diff(text).values()
    assert fc.lines == {2, 6}
    assert fc.touched == {3, 4}  # `c: 3` was deleted between new lines 3 and 4


def test_quoted_paths_and_plain_diff_u():
    quoted = """\
diff --git "a/d\\303\\251ploy/serve me.sh" "b/d\\303\\251ploy/serve me.sh"
--- "a/d\\303\\251ploy/serve me.sh"
+++ "b/d\\303\\251ploy/serve me.sh"
@@ -1 +1 @@
-x
+y
"""
    assert list(parse_unified_diff(quoted)) == ["déploy/serve me.sh"]
    plain = """\
--- serve.sh.orig\t2024-05-01 10:00:00.000000000 +0200
+++ serve.sh\t2024-05-01 10:05:00.000000000 +0200
@@ -1,2 +1,2 @@
 #!/bin/sh
-vllm serve a
+vllm serve b
--- k8s.yaml.orig\t2024-05-01 10:00:00.000000000 +0200
+++ k8s.yaml\t2024-05-01 10:05:00.000000000 +0200
@@ -7,0 +8 @@
+        - --enable-lora
"""
    changes = parse_unified_diff(plain)
    assert changes["serve.sh"].lines == {2}
    assert changes["k8s.yaml"].lines == {8}


def test_empty_diff():
    assert parse_unified_diff("") == {}


# --- what is reported --------------------------------------------------------------------------


def _f(loc: Loc, evidence=None) -> Finding:
    return Finding("DPL201", "n", "error", loc, "m", evidence=evidence or {})


def test_changeset_covers_lines_directories_and_evidence(tmp_path):
    write_tree(tmp_path, {"serve.sh": "a\nb\nc\n", "models/m/config.json": "{}\n"})
    cs = ChangeSet(
        tmp_path,
        {
            "serve.sh": FileChange("serve.sh", lines={2}),
            "models/m/config.json": FileChange("models/m/config.json", lines={1}),
        },
    )
    s = tmp_path / "serve.sh"
    assert cs.covers(_f(Loc(s, 2, 1, 2, 3)))
    assert not cs.covers(_f(Loc(s, 1, 1, 1, 2)))
    assert cs.covers(_f(Loc(s, 1, 1, 3, 2)))  # a span across the changed line
    assert cs.covers(_f(Loc(tmp_path / "models" / "m")))  # directory-level: a file under it
    assert not cs.covers(_f(Loc(tmp_path / "models" / "other")))
    # unchanged line, but the evidence cites a changed one (the chat UI that was just added)
    assert cs.covers(_f(Loc(s, 1, 1, 1, 2), {"chat_use": [{"what": "x", "location": Loc(s, 2)}]}))


def test_deleted_and_renamed_paths_touch_their_directory(tmp_path):
    (tmp_path / "old").mkdir()
    cs = ChangeSet(
        tmp_path,
        {
            "old/serve.sh": FileChange("old/serve.sh", status="deleted"),
            "new/x.sh": FileChange("new/x.sh", old_path="moved/x.sh", status="renamed"),
        },
    )
    assert cs.touches(tmp_path / "old")
    assert cs.touches(tmp_path / "moved")
    assert not cs.touches(tmp_path / "elsewhere")


# --- git ---------------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    write_tree(
        tmp_path,
        {
            "serve.sh": "#!/bin/sh\n# eval server\nvllm serve Qwen/Qwen2.5-14B --port 8100\n",
            "chat.sh": "#!/bin/sh\nvllm serve Qwen/Qwen2.5-7B-Instruct\n",
        },
    )
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "init")
    return tmp_path


def test_git_working_tree_staged_untracked_and_ranges(repo):
    (repo / "chat.sh").write_text("#!/bin/sh\nvllm serve Qwen/Qwen2.5-14B\n")
    git(repo, "add", "chat.sh")
    (repo / "serve.sh").write_text(
        "#!/bin/sh\n\n# eval server\nvllm serve Qwen/Qwen2.5-14B --port 8100\n"
    )
    (repo / "new.sh").write_text("vllm serve x\n")
    cs = git_changes("HEAD", repo)
    assert cs.files["chat.sh"].lines == {2}
    assert cs.files["serve.sh"].lines == {2}  # an inserted blank line; line 4 is unchanged
    assert cs.files["new.sh"].whole and cs.files["new.sh"].status == "untracked"
    staged = git_changes("HEAD", repo, staged=True)
    assert set(staged.files) == {"chat.sh"}
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "commit", "-q", "-m", "chat")
    assert set(git_changes("main...feature", repo).files) == {"chat.sh"}
    with pytest.raises(DiffError):
        git_changes("no-such-ref", repo)
    with pytest.raises(DiffError):
        git_changes("main...feature", repo, staged=True)


def test_git_repository_without_commits(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "serve.sh").write_text("vllm serve x\n")
    cs = git_changes("HEAD", tmp_path)
    assert cs.files["serve.sh"].whole


def test_not_a_git_repository(tmp_path):
    with pytest.raises(DiffError, match="not inside a git repository"):
        git_changes("HEAD", tmp_path)


# --- the command line --------------------------------------------------------------------------


def _json(args, cwd, stdin=None):
    import os
    import sys

    from .conftest import ROOT

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run(
        [sys.executable, "-m", "deploylint", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return p, (json.loads(p.stdout) if p.stdout.strip().startswith("{") else None)


def test_cli_diff_reports_only_changed_lines(repo):
    # the base models here are `info` findings (nothing shows chat use): --fail-on info
    sel = ["--select", "DPL201", "--format", "json", "--fail-on", "info"]
    p, doc = _json(["scan", *sel], repo)
    assert p.returncode == 1 and len(doc["findings"]) == 1  # serve.sh: base model
    p, doc = _json(["scan", "--diff", "HEAD", *sel], repo)
    assert p.returncode == 0 and doc["findings"] == []
    assert "1 finding outside the changed lines not reported" in p.stderr
    # the change adds a base model in chat.sh: only that one is reported
    (repo / "chat.sh").write_text("#!/bin/sh\nvllm serve Qwen/Qwen2.5-14B --port 9000\n")
    p, doc = _json(["scan", "--diff", "HEAD", *sel], repo)
    assert p.returncode == 1
    assert [(f["path"], f["line"]) for f in doc["findings"]] == [("chat.sh", 2)]
    # the same change as a unified diff on standard input (e.g. from a pull request's API)
    diff = git(repo, "diff", "HEAD")
    p, doc = _json(["scan", "--diff", "-", *sel], repo, stdin=diff)
    assert p.returncode == 1 and [f["path"] for f in doc["findings"]] == ["chat.sh"]
    p, doc = _json(["scan", "--diff", "-", *sel], repo, stdin="")
    assert p.returncode == 0 and doc["findings"] == []


def test_cli_diff_usage_errors(repo, tmp_path_factory):
    p = run(["scan", "--diff", "nope-not-a-ref"], repo)
    assert p.returncode == 2 and "not a commit" in p.stderr
    p = run(["scan", "--staged"], repo)
    assert p.returncode == 2
    outside = tmp_path_factory.mktemp("plain")
    p = run(["scan", "--diff", "HEAD"], outside)
    assert p.returncode == 2 and "not inside a git repository" in p.stderr
    assert "Traceback" not in p.stderr
