"""Which files belong to one project: the boundary for weak links.

A weak link says two files describe one deployment only because they share a public model id or
the tail of a path. Between unrelated projects (a folder of cloned repositories, a corpus) such a
coincidence means nothing, so weak links stay inside one project. Strong links (a client's
`base_url` reaching a launch's port or service, a client's `model` naming a served name) are
never cut by the boundary: it only breaks ties between several candidates.

The boundary comes from what the tree looks like, never from where deploylint itself runs:

1. A directory that marks a repository or a package — it holds `.git`, a licence file, or a
   package manifest (`pyproject.toml`, `setup.py`, `setup.cfg`, `package.json`, `go.mod`,
   `Cargo.toml`) — is the root of a project; a file belongs to its outermost marked ancestor (a
   monorepo's packages stay in the monorepo). Above the scanned tree only a git checkout marks a
   directory (its `.git` is looked up, nothing there is listed or read).
2. A file with no marked ancestor belongs to the scan root, unless the scan root looks like a
   collection of unrelated trees: two or more top-level directories, not all of them named for
   a role inside one project (`deploy`, `k8s`, `configs`, `train` …), and no file in the root
   other than documentation. Then each top-level directory is a project of its own.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..discover import is_marker

#: Directory names that are parts of one project, not projects of their own.
ROLE_DIRS = frozenset(
    """
    api app apps backend bin build chart charts ci client clients cmd compose config configs
    conf container containers data deploy deployment deployments docker dockerfiles docs env
    envs eval evaluation examples export finetune fine-tune fine_tune finetuning frontend helm
    infer inference infra k8s kube kubernetes lib llm manifests model modelfiles models notebooks
    ollama ops output outputs prompts runtime saves scripts serve server serving service services
    src templates test tests tools train training utils values web webui
    """.split()
)
_DOC_FILE = re.compile(r"^(?:readme|manifest|changelog|notice|authors|index)(?:\..*)?$|\.md$", re.I)


class Boundary:
    def __init__(self, roots: list[Path], listed: dict[str, bool] | None = None):
        self.roots = roots
        # directories the discovery listed (real path -> holds a marker): not listed again
        self._marked: dict[str, bool] = dict(listed) if listed else {}
        self._project: dict[str, str] = {}
        self._collection: dict[str, bool] = {}
        self._scan_bases: list[str] | None = None
        self._dirs: dict[str, str] = {}  # directory -> its project

    # -- public --------------------------------------------------------------------------------
    def project_of(self, path: Path) -> str:
        """The root directory (as a string) of the project ``path`` belongs to."""
        key = str(path)
        hit = self._project.get(key)
        if hit is None:
            hit = self._project[key] = self._find(path)
        return hit

    def same_project(self, a: Path, b: Path) -> bool:
        return self.project_of(a) == self.project_of(b)

    # -- internals -----------------------------------------------------------------------------
    def _bases(self) -> list[str]:
        if self._scan_bases is None:
            out = []
            for r in self.roots:
                try:
                    rr = r.resolve()
                    out.append(str(rr if rr.is_dir() else rr.parent))
                except (OSError, RuntimeError, ValueError):
                    continue
            self._scan_bases = sorted(out, key=len, reverse=True)
        return self._scan_bases

    def _find(self, path: Path) -> str:
        """The project of ``path``: decided once per directory (files in one directory share
        it), the directory resolved once."""
        parent = os.path.dirname(str(path))
        hit = self._dirs.get(parent)
        if hit is None:
            hit = self._dirs[parent] = self._find_dir(parent)
        return hit

    def _find_dir(self, parent: str) -> str:
        directory = os.path.normpath(parent)
        if not any(directory == b or directory.startswith(b + os.sep) for b in self._bases()):
            try:  # a path given another way (a symlinked root): compare like the bases
                directory = os.path.realpath(parent)
            except (OSError, ValueError):
                directory = parent
        outermost = None
        bases = self._bases()
        d = directory
        while True:
            inside = any(d == b or d.startswith(b + os.sep) for b in bases)
            # Inside the scanned tree every marker counts; above it only a git checkout does
            # (a stat of `.git`: nothing above the tree is listed or read).
            if self._is_marked(d) if inside else self._is_git(d):
                outermost = d
            up = os.path.dirname(d)
            if up == d:
                break
            d = up
        if outermost is not None:
            return outermost
        for base in bases:
            if directory == base:
                return base
            if directory.startswith(base + os.sep):
                if self._is_collection(base):
                    return base + os.sep + directory[len(base) + 1 :].split(os.sep, 1)[0]
                return base
        return directory

    def _is_marked(self, d: str) -> bool:
        hit = self._marked.get(d)
        if hit is None:
            hit = False
            try:
                with os.scandir(d) as it:
                    hit = any(is_marker(e.name) for e in it)
            except OSError:
                hit = False
            self._marked[d] = hit
        return hit

    def _is_git(self, d: str) -> bool:
        key = "git:" + d
        hit = self._marked.get(key)
        if hit is None:
            try:
                hit = os.path.lexists(os.path.join(d, ".git"))
            except (OSError, ValueError):
                hit = False
            self._marked[key] = hit
        return hit

    def _is_collection(self, base: str) -> bool:
        hit = self._collection.get(base)
        if hit is None:
            dirs: list[str] = []
            other_files = False
            try:
                with os.scandir(base) as it:
                    for e in it:
                        if e.name.startswith("."):
                            continue
                        try:
                            is_dir = e.is_dir(follow_symlinks=False)
                        except OSError:
                            continue
                        if is_dir:
                            dirs.append(e.name)
                        elif not _DOC_FILE.search(e.name):
                            other_files = True
            except OSError:
                pass
            hit = (
                not other_files and len(dirs) >= 2 and not all(d.lower() in ROLE_DIRS for d in dirs)
            )
            self._collection[base] = hit
        return hit
