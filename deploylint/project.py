"""The linked picture of a repository: launches with their engine version, model and tokenizer
resolved to directories or built-in knowledge, chat UIs wired to the launches they call."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from . import jsonutil
from . import yamlutil as Y
from .config import Config
from .engines import fact_at, newest_release, resolve_spec
from .engines.cli import ArgOcc, ParsedArgs, Token
from .facts import (
    ChatUI,
    ClientCall,
    EngineVersion,
    Launch,
    ModelDir,
    ModelRef,
    PeftOp,
    Pin,
    TrainingRun,
)
from .location import (
    Loc,
    display_path,
    read_text,
    safe_exists,
    safe_is_dir,
    safe_is_file,
    safe_resolve,
)
from .safefs import may_read
from .sources import FileFacts
from .sources.model_files import load_dir

# Option destinations that name the served model, per engine (first found wins).
_MODEL_DESTS = {
    "sglang": ("model_path", "model"),
    "tgi": ("model_id",),
    "llamacpp": ("model", "hf_repo"),
    "llamafactory": ("model_name_or_path",),
}
_TOKENIZER_DESTS = {"vllm": ("tokenizer",), "sglang": ("tokenizer_path",)}

OFFLINE_FORMS = {"vllm.LLM", "lmdeploy.pipeline"}
OFFLINE_APIS = {"vllm-offline", "transformers", "lmdeploy"}

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")
_REMOTE = re.compile(r"^(?:s3|gs|gcs|pvc|oci|https?|azure|abfss?|ms)://", re.I)


#: Files whose presence makes a directory a model directory (what ``model_dir`` loads).
MODEL_DIR_MARKERS = (
    "config.json",
    "adapter_config.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "chat_template.json",
)


@dataclass
class Project:
    config: Config
    roots: list[Path]
    files: dict[Path, FileFacts] = field(default_factory=dict)
    launches: list[Launch] = field(default_factory=list)
    chat_uis: list[ChatUI] = field(default_factory=list)
    model_dirs: dict[Path, ModelDir] = field(default_factory=dict)
    pins: list[Pin] = field(default_factory=list)
    ui_links: list[tuple[ChatUI, str, Loc, Launch]] = field(default_factory=list)
    clients: list[ClientCall] = field(default_factory=list)
    peft_ops: list[PeftOp] = field(default_factory=list)
    trainings: list[TrainingRun] = field(default_factory=list)
    _loaded_dirs: dict[Path, ModelDir | None] = field(default_factory=dict)
    _prompting: dict[int, Any] = field(default_factory=dict)
    _git_dirs: dict[Path, bool] = field(default_factory=dict)
    _lineage: Any = None  # lineage.Index, built on first use
    _resolved_paths: dict[Path, Path] = field(default_factory=dict)
    _top_dirs: dict[str, Any] = field(default_factory=dict)
    _local_paths: dict[tuple[Path, str], Path] = field(default_factory=dict)
    _root_bases: list[Path] | None = None
    _base: Any = False  # the single scan root's directory (str), None, or False: not yet known
    _services: list[dict] | None = None  # Kubernetes Services of all files (_k8s_services)

    # -- model directories ---------------------------------------------------------------------
    def model_dir(self, path: Path) -> ModelDir | None:
        """The model directory at ``path`` (scanned, or read on demand)."""
        key = Path(os.path.normpath(path))
        if key in self.model_dirs:
            return self.model_dirs[key]
        if key in self._loaded_dirs:
            return self._loaded_dirs[key]
        md = None
        # may_read: a directory outside the scanned tree is not read (safefs.py)
        if (
            may_read(key)
            and safe_is_dir(key)
            and any(safe_exists(key / n) for n in MODEL_DIR_MARKERS)
        ):
            md = load_dir(key)
        self._loaded_dirs[key] = md
        return md

    def same_project(self, a: Path, b: Path) -> bool:
        """Do two files belong to one project, so that a weak link (only a shared model id or a
        path suffix) between them means something?

        Inside a git repository, the whole repository is one project. A scanned tree that is not
        a git repository may be a collection of unrelated projects (one directory each): then two
        files in different top-level directories of the scan root are not linked weakly.
        """
        try:
            ra, rb = self._resolved(a), self._resolved(b)
        except (ValueError, OSError):
            return False
        fast = self._same_project_fast(ra, rb)
        if fast is not None:
            return fast
        try:
            common = Path(os.path.commonpath([str(ra), str(rb)]))
        except (ValueError, OSError):
            return False
        if ra == rb:
            return True
        if common == ra or common == rb:
            common = common.parent
        if self._in_git(common):
            return True
        for r in self.roots:
            try:
                base = self._resolved(r) if r.is_dir() else self._resolved(r).parent
            except OSError:
                continue
            if common in base.parents:
                return False
            if common == base:
                # Both files below the root: linked only if one of them sits in the root itself.
                return ra.parent == base or rb.parent == base
        return True

    def _same_project_fast(self, ra: Path, rb: Path) -> bool | None:
        """``same_project`` for two files below a single scan root, from each file's top-level
        directory there (the answer of the general walk below, without it); None otherwise."""
        if len(self.roots) != 1:
            return None
        pa, pb = self._top_dir(ra), self._top_dir(rb)
        if pa is None or pb is None:
            return None
        base, ta = pa
        if pb[0] != base:
            return None
        tb = pb[1]
        if ta == "" or tb == "" or ta == tb:
            return True  # one sits in the root itself, or both in one top-level directory
        return self._in_git(Path(base))

    def _top_dir(self, p: Path) -> tuple[str, str] | None:
        """(the scan root's directory, the first component of ``p`` below it, "" when ``p`` is
        directly in it), or None when ``p`` is not strictly below the root."""
        key = str(p)
        hit = self._top_dirs.get(key, False)
        if hit is not False:
            return hit
        out = None
        base = self._root_base()
        if base is not None and key.startswith(base + os.sep) and len(key) > len(base) + 1:
            rel = key[len(base) + 1 :]
            head, sep, _ = rel.partition(os.sep)
            out = (base, head if sep else "")
        self._top_dirs[key] = out
        return out

    def _root_base(self) -> str | None:
        if self._base is False:
            self._base = None
            try:
                r = self.roots[0]
                base = self._resolved(r) if r.is_dir() else self._resolved(r).parent
                if str(base) != os.sep:
                    self._base = str(base)
            except OSError:
                pass
        return self._base

    def _resolved(self, p: Path) -> Path:
        hit = self._resolved_paths.get(p)
        if hit is None:
            hit = self._resolved_paths[p] = p.resolve()
        return hit

    def _in_git(self, directory: Path) -> bool:
        if directory not in self._git_dirs:
            self._git_dirs[directory] = any(
                (d / ".git").exists() for d in (directory, *directory.parents)
            )
        return self._git_dirs[directory]

    def inside_roots(self, path: Path) -> bool:
        p = safe_resolve(path)
        if p is None:
            return False
        if self._root_bases is None:
            self._root_bases = []
            for r in self.roots:
                rr = safe_resolve(r)
                if rr is not None:
                    self._root_bases.append(rr if rr.is_dir() else rr.parent)
        return any(p == base or base in p.parents for base in self._root_bases)

    # -- linking -------------------------------------------------------------------------------
    def link(self) -> None:
        self._collect()
        self._dedupe_launches()
        for launch in self.launches:
            launch.version = self._version(launch)
            if launch.engine == "vllm":
                self._apply_vllm_config_file(launch)
            if launch.engine == "llamafactory":
                self._attach_llamafactory_config(launch)
            launch.model = self._model_ref(launch)
            launch.tokenizer = self._tokenizer_ref(launch)
        for run in self.trainings:
            run.version = self._training_version(run)
        self._link_ollama_create()
        self._link_chat_uis()
        self._link_clients()

    def _collect(self) -> None:
        by_dir: dict[Path, dict[str, Any]] = {}
        # by path parts: the order of Path comparison, without its per-comparison cost
        for path, ff in sorted(self.files.items(), key=lambda kv: kv[0].parts):
            self.launches.extend(ff.launches)
            self.chat_uis.extend(ff.chat_uis)
            self.pins.extend(ff.pins)
            self.clients.extend(ff.clients)
            self.peft_ops.extend(ff.peft_ops)
            self.trainings.extend(ff.trainings)
            if ff.kind == "model-file":
                d = by_dir.setdefault(path.parent, {})
                if "json" in ff.data:
                    d[path.name] = ff.data["json"]
                elif "template" in ff.data:
                    d[path.name] = ff.data["template"]
                else:
                    d.setdefault("_errors", []).append(path.name)
        for directory, docs in by_dir.items():
            try:
                names = {p.name for p in directory.iterdir()}
            except OSError:
                names = set(docs)
            md = ModelDir(directory, names)
            for name, doc in docs.items():
                if name == "_errors":
                    continue
                if isinstance(doc, str):
                    md.chat_template_jinja = doc
                else:
                    md.docs[name] = doc
            self.model_dirs[Path(os.path.normpath(directory))] = md

    def _dedupe_launches(self) -> None:
        seen: dict[tuple, Launch] = {}
        order: list[tuple] = []
        for launch in self.launches:
            key = (launch.engine, tuple((t.loc.path, t.loc.line, t.loc.col) for t in launch.tokens))
            prev = seen.get(key)
            if prev is None:
                seen[key] = launch
                order.append(key)
            elif prev.context == "Dockerfile" and launch.context != "Dockerfile":
                seen[key] = launch  # the compose/Kubernetes view knows volumes and env
        self.launches = [seen[k] for k in order]

    # -- versions --------------------------------------------------------------------------------
    def _version(self, launch: Launch) -> EngineVersion:
        engine = launch.engine
        for hint in launch.version_hints:
            if hint.version:
                return hint
        unpinned_image = next((h for h in launch.version_hints if not h.version), None)
        pin = self._nearest_pin(launch)
        if pin is not None:
            version, exact = resolve_spec(engine, pin.spec) if pin.spec else (None, False)
            if version is None:
                version = newest_release(engine)
            what = f"{pin.package}{pin.spec}" if pin.spec else f"{pin.package} (unpinned)"
            src = f"{pin.source_kind} {what} at {pin.loc.path.name}:{pin.loc.line}"
            if not exact:
                src += f"; assuming the newest release it allows ({version})"
            return EngineVersion(engine, version, exact, src, pin.loc, pin.spec)
        if engine in self.config.engines:
            v = self.config.engines[engine]
            src = f'[tool.deploylint.engines] {engine} = "{v}"'
            if self.config.source is not None:
                src += f" in {self.config.source.name}"
            return EngineVersion(engine, v, True, src, None, v)
        newest = newest_release(engine)
        if unpinned_image is not None:
            return EngineVersion(
                engine,
                newest,
                False,
                f"{unpinned_image.source} is not pinned; assuming the newest known release"
                + (f" ({newest})" if newest else ""),
                unpinned_image.loc,
                unpinned_image.spec,
            )
        return EngineVersion(
            engine,
            newest,
            False,
            "no version pinned in the repository; assuming the newest known release"
            + (f" ({newest})" if newest else ""),
        )

    def _nearest_pin(self, launch: Launch) -> Pin | None:
        from .engines import PACKAGE_ENGINES

        cands = [p for p in self.pins if PACKAGE_ENGINES.get(p.package) == launch.engine]
        if not cands:
            return None
        order = {"dockerfile": 0, "shell": 1, "requirements": 2, "pyproject": 3, "constraints": 4}

        def key(p: Pin) -> tuple:
            same_file = 0 if p.loc.path == launch.path else 1
            here, there = safe_resolve(launch.base_dir), safe_resolve(p.loc.path.parent)
            try:
                rel = here.relative_to(there) if here is not None and there is not None else None
            except ValueError:
                rel = None
            dist = len(rel.parts) if rel is not None else 1000
            return (same_file, dist, order.get(p.source_kind, 9), not p.spec)

        best = min(cands, key=key)
        # A pin in an unrelated sibling directory does not describe this launch.
        if key(best)[0] == 1 and key(best)[1] == 1000:
            return None
        return best

    # -- vLLM --config files -------------------------------------------------------------------
    def _apply_vllm_config_file(self, launch: Launch) -> None:
        occ = launch.args.last("config")
        if occ is None or not occ.values or not occ.resolved:
            return
        path = self.local_path(launch, occ.values[0].text)
        if path is None or not safe_is_file(path):
            launch.notes.append(f"--config {occ.values[0].text} not found in the repository")
            return
        try:
            text = read_text(path)
            docs = Y.compose_all(text)
        except (OSError, ValueError):
            return
        if not docs or not Y.is_map(docs[0]):
            return
        launch.config_file = path
        from .engines.registry import module

        table = module("vllm").option_table(launch.version.version if launch.version else None)
        for key, key_node, val in Y.items(docs[0]):
            flag = "--" + key.replace("_", "-")
            spec, _ = table.lookup(flag)
            dest = spec.dest if spec else key.replace("-", "_")
            if dest == "model" and launch.args.positionals and launch.form == "vllm serve":
                continue  # a positional model beats `model:` in the file
            if launch.args.has(dest):
                continue  # the command line beats the config file
            key_tok = Token(flag, Y.loc(path, key_node))
            values: list[Token] = []
            if Y.is_seq(val):
                values = [Token(Y.scalar(v) or "", Y.loc(path, v)) for v in Y.seq(val)]
            elif Y.is_scalar(val):
                pv = Y.scalar_value(val)
                if pv is True and (spec is None or spec.arity == "flag"):
                    values = []
                elif pv is False:
                    continue
                else:
                    values = [Token(Y.scalar(val) or "", Y.loc(path, val))]
            else:
                import json

                values = [Token(json.dumps(Y.to_py(val, 10_000)), Y.loc(path, val))]
            launch.args.options.setdefault(dest, []).append(ArgOcc(spec, key_tok, values))

    # -- model references ------------------------------------------------------------------------
    def local_path(self, launch: Launch, ref: str) -> Path | None:
        """A path in the launch's world mapped to this machine (volumes, relative paths)."""
        if not ref:
            return None
        if ref.startswith("~"):
            return None
        p = Path(ref)
        if p.is_absolute():
            for vol in sorted(launch.volumes, key=lambda v: -len(v.target)):
                target = vol.target.rstrip("/") or "/"
                if vol.host_dir is not None and (ref == target or ref.startswith(target + "/")):
                    rest = ref[len(target) :].lstrip("/")
                    return Path(os.path.normpath(vol.host_dir / rest))
            if self.inside_roots(p):
                return p
            return None
        key = (launch.base_dir, ref)
        hit = self._local_paths.get(key)
        if hit is None:
            cands = [launch.base_dir / p]
            for r in self.roots:
                base = r if r.is_dir() else r.parent
                cands.append(base / p)
            found = next((c for c in cands if safe_exists(c)), cands[0])
            hit = self._local_paths[key] = Path(os.path.normpath(found))
        return hit

    def _alias(self, ref: str) -> str | None:
        return self.config.models.get(ref) or self.config.models.get(ref.rstrip("/"))

    def resolve_ref(self, launch: Launch, token: Token | None, ref: str) -> ModelRef:
        mr = ModelRef(ref, token)
        if token is not None and not token.resolved:
            mr.resolved = False
            mr.how = f"`{ref}` has unresolved variables"
            return mr
        alias = self._alias(ref)
        if alias is not None:
            base = self.config.base_dir or Path.cwd()
            cand = (base / alias) if not Path(alias).is_absolute() else Path(alias)
            if safe_is_dir(cand):
                mr.directory = self.model_dir(cand)
                mr.how = f"[tool.deploylint.models] maps `{ref}` to {alias}"
                return mr
            mr.how = f"[tool.deploylint.models] maps `{ref}` to {alias}"
            mr.ref = alias
            ref = alias
        for prefix in ("hf://", "huggingface://"):
            if ref.startswith(prefix):
                ref = ref[len(prefix) :]
                mr.ref = ref
        if _REMOTE.match(ref):
            mr.how = mr.how or "remote storage (not readable statically)"
            return mr
        looks_local = ref.startswith((".", "/", "~")) or not _HUB_ID.match(ref)
        path = self.local_path(launch, ref)
        if path is not None and safe_is_dir(path):
            md = self.model_dir(path)
            if md is not None:
                mr.directory = md
                via = ""
                if Path(ref).is_absolute() and launch.volumes:
                    via = " through the volume mount"
                mr.how = mr.how or f"local directory {display_path(path)}{via}"
                return mr
        if not looks_local:
            cached = self._hf_cache(ref)
            if cached is not None:
                mr.directory = cached
                mr.how = "the local Hugging Face cache"
                return mr
            mr.how = mr.how or "Hugging Face Hub id (built-in knowledge)"
            return mr
        if path is not None and not may_read(path):
            mr.how = mr.how or "local path outside the scanned tree (not read)"
        mr.how = mr.how or "local path not present in the repository"
        return mr

    def _hf_cache(self, repo_id: str) -> ModelDir | None:
        hub = os.environ.get("HF_HUB_CACHE")
        if not hub:
            home = os.environ.get("HF_HOME") or os.path.join(
                os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "huggingface"
            )
            hub = os.path.join(home, "hub")
        repo = Path(hub) / ("models--" + repo_id.replace("/", "--"))
        if not safe_is_dir(repo):
            return None
        ref_main = repo / "refs" / "main"
        snap = None
        try:
            if safe_is_file(ref_main):
                snap = repo / "snapshots" / ref_main.read_text().strip()
            else:
                snaps = sorted((repo / "snapshots").iterdir())
                snap = snaps[-1] if snaps else None
        except (OSError, ValueError):
            return None
        if snap is None or not safe_is_dir(snap):
            return None
        return load_dir(snap)

    def model_token(self, launch: Launch) -> tuple[Token | None, str | None, bool, str]:
        """(token, text, is_default, note) of the model a launch serves."""
        args = launch.args
        if "model_token" in launch.extra:
            t = launch.extra["model_token"]
            return t, t.text, False, ""
        if launch.engine == "vllm":
            from .engines import vllm

            if launch.form in ("vllm serve", "kserve LLMInferenceService") and args.positionals:
                t = args.positionals[0]
                return t, t.text, False, ""
            occ = args.last("model")
            if occ is not None and occ.values:
                return occ.values[0], occ.values[0].text, False, ""
            note = ""
            if args.positionals and launch.form != "vllm serve":
                note = (
                    f"`{args.positionals[0].text}` is a positional argument, which "
                    f"`{launch.form}` does not treat as the model (vllm PR #32292)"
                )
            version = launch.version.version if launch.version else None
            default, source = vllm.default_model(version)
            return None, default, True, note or f"no model given: vLLM's default ({source})"
        if launch.engine == "ollama" and launch.form == "ollama create":
            return None, None, False, ""  # the Modelfile it reads is the deployment
        from .engines.registry import module

        fn = getattr(module(launch.engine), "model_token", None)
        if fn is not None:
            version = launch.version.version if launch.version else None
            tok, text, is_default, _note = fn(args, launch.form, version)
            if text is not None:
                return tok, text, is_default, ""
        for dest in _MODEL_DESTS.get(launch.engine, ()):
            occ = args.last(dest)
            if occ is not None and occ.values:
                return occ.values[0], occ.values[0].text, False, ""
        if launch.engine == "llamafactory":
            run = launch.extra.get("training")
            if run is not None and "model_name_or_path" in run.keys:
                v = run.keys["model_name_or_path"]
                tok = Token(str(v.value), v.loc, v.resolved)
                return tok, tok.text, False, ""
        return None, None, False, ""

    def _model_ref(self, launch: Launch) -> ModelRef | None:
        token, text, is_default, note = self.model_token(launch)
        if text is None:
            return None
        mr = self.resolve_ref(launch, token, text)
        mr.is_default = is_default
        if note:
            launch.notes.append(note)
        from .assess import Assessment, assess

        mr.info = assess(mr)
        if mr.directory is None and mr.resolved:
            # An engine with its own model names (Ollama's library) says what a name means.
            from .engines import DISPLAY_NAMES
            from .engines.registry import module

            variant = getattr(module(launch.engine), "library_variant", None)
            said = variant(text) if variant is not None else None
            if said is not None:
                kind, reason = said
                mr.how = f"an {DISPLAY_NAMES.get(launch.engine, launch.engine)} model name"
                mr.info = Assessment(
                    kind, "likely" if kind else "none", [reason], mr.info.family, text
                )
        return mr

    def _tokenizer_ref(self, launch: Launch) -> ModelRef | None:
        occ = None
        for dest in _TOKENIZER_DESTS.get(launch.engine, ()):
            occ = launch.args.last(dest) or occ
        if occ is None or not occ.values:
            return None
        tok = occ.values[0]
        mr = self.resolve_ref(launch, tok, tok.text)
        return mr

    # -- LLaMA-Factory ---------------------------------------------------------------------------
    def _training_version(self, run: TrainingRun) -> EngineVersion:
        fake = Launch("llamafactory", "config", run.loc, [], ParsedArgs(), "", run.loc.path.parent)
        return self._version(fake)

    def _attach_llamafactory_config(self, launch: Launch) -> None:
        """`llamafactory-cli api cfg.yaml`: the YAML's keys, command-line overrides first."""
        tok = launch.extra.get("config_path")
        if tok is None or not getattr(tok, "resolved", True):
            return
        path = self.local_path(launch, tok.text)
        if path is None:
            return
        for run in self.trainings:
            if Path(os.path.normpath(run.loc.path)) == Path(os.path.normpath(path)):
                launch.extra["training"] = run
                return

    def _link_ollama_create(self) -> None:
        """`ollama create NAME -f Modelfile`: the Modelfile's model is served as NAME."""
        for launch in self.launches:
            if launch.engine != "ollama" or launch.form != "ollama create":
                continue
            name = launch.extra.get("model_name")
            mf = launch.extra.get("modelfile_path")
            if name is None:
                continue
            path = self.local_path(launch, mf.text if mf is not None else "Modelfile")
            if path is None:
                continue
            for target in self.launches:
                if target.form == "Modelfile" and Path(os.path.normpath(target.path)) == path:
                    target.extra.setdefault("served_names", []).append((name.text, name.loc))

    # -- served names and adapters ---------------------------------------------------------------
    def served_names(self, launch: Launch) -> list[tuple[str, Loc | None]]:
        """The `model` values a request may use to reach this launch's base model."""
        args = launch.args
        out: list[tuple[str, Loc | None]] = []
        from .engines.registry import module

        fn = getattr(module(launch.engine), "served_names", None)
        if fn is not None and launch.engine != "vllm":
            for t in fn(args, launch.form):
                out.append((t.text, t.loc))
        for dest in ("served_model_name", "model_name", "alias"):
            for t in args.values(dest):
                if (t.text, t.loc) not in out:
                    out.append((t.text, t.loc))
        for name, loc in launch.extra.get("served_names", []):
            out.append((name, loc))
        if not out and launch.model is not None:
            out.append((launch.model.ref, launch.model.token.loc if launch.model.token else None))
        return out

    def adapters(self, launch: Launch) -> list[tuple[str, Token]]:
        """(name, path token) of the adapters a launch loads at startup."""
        out: list[tuple[str, Token]] = []
        for dest in ("lora_modules", "adapters", "lora_paths", "lora_adapters", "lora", "adapter"):
            for t in launch.args.values(dest):
                out.extend(_adapter_items(t))
        return out

    # -- clients ---------------------------------------------------------------------------------
    def _link_clients(self) -> None:
        by_var: dict[tuple[Path, str], Launch] = {}
        for launch in self.launches:
            var = launch.extra.get("python_var")
            if var:
                by_var[(launch.path, var)] = launch
        names: dict[str, list[Launch]] | None = None
        for call in self.clients:
            if call.engine_var and (call.loc.path, call.engine_var) in by_var:
                call.launch = by_var[(call.loc.path, call.engine_var)]
                call.link = f"the engine object `{call.engine_var}` created in the same file"
                continue
            if call.api in OFFLINE_APIS:
                continue  # in-process calls link only to the engine object they use
            if call.base_url is not None and isinstance(call.base_url.value, str):
                target = self.launch_for_url(call.base_url.value, near=call.loc.path)
                if target is not None:
                    call.launch = target
                    call.link = f"base_url {call.base_url.value} reaches {target.context}"
                    continue
            model = call.model.value if call.model is not None else None
            if isinstance(model, str) and model:
                if names is None:  # the names each launch answers to, computed once
                    names = {}
                    for lc in self.launches:
                        if lc.form in OFFLINE_FORMS:
                            continue
                        for n in {n for n, _ in self.served_names(lc)} | {
                            n for n, _ in self.adapters(lc)
                        }:
                            names.setdefault(n, []).append(lc)
                hits = [
                    lc for lc in names.get(model, ()) if self.same_project(lc.path, call.loc.path)
                ]
                if len(hits) == 1:
                    call.launch = hits[0]
                    call.link = f"model `{model}` is a name served by {hits[0].context}"

    def adapter_named(self, launch: Launch, name: str) -> Token | None:
        for n, tok in self.adapters(launch):
            if n == name:
                return tok
        return None

    # -- chat templates ---------------------------------------------------------------------------
    def prompting(self, launch: Launch):
        """How the engine of ``launch`` builds prompts (templates.resolve.Prompting), cached."""
        key = id(launch)
        if key not in self._prompting:
            from .templates.resolve import resolve

            self._prompting[key] = resolve(self, launch)
        return self._prompting[key]

    def model_prompting(self, launch: Launch):
        """The model's own template, as transformers applies it (the reference)."""
        from .templates.resolve import resolve_transformers

        md = launch.model.directory if launch.model is not None else None
        if launch.tokenizer is not None and launch.tokenizer.directory is not None:
            md = launch.tokenizer.directory
        return resolve_transformers(md)

    def training_for(self, launch: Launch):
        """The LLaMA-Factory run whose output this launch serves: (run, how) or None."""
        from .lineage import index

        return index(self).training_for(launch)

    # -- chat UIs --------------------------------------------------------------------------------
    def endpoint_names(self, launch: Launch) -> tuple[set[str], set[str]]:
        names: set[str] = set()
        ports: set[str] = set()
        if launch.service:
            names.add(launch.service.lower())
        port = None
        if launch.engine == "vllm":
            port = launch.args.value("port") or "8000"
        elif launch.engine == "lmdeploy":
            port = launch.args.value("server_port") or "23333"
        else:
            from .engines.registry import module

            listen = getattr(module(launch.engine), "listen", None)
            if listen is not None:
                try:
                    port = listen(
                        launch.args, launch.form, launch.version.version if launch.version else None
                    )[1]
                except Exception:  # noqa: BLE001 - an engine without a listening port
                    port = None
        if port:
            ports.add(str(port))
        for published, container in launch.ports:
            if container:
                ports.add(container)
            if published:
                ports.add(published.split(":")[-1])
        for svc in self._k8s_services():
            if launch.service and svc["name"]:
                sel = svc.get("selector") or {}
                if launch.service.lower() in {str(v).lower() for v in sel.values()} or (
                    svc["name"].lower() == launch.service.lower()
                ):
                    names.add(svc["name"].lower())
                    for p, _target in svc["ports"]:
                        if p:
                            ports.add(str(p))
        return names, ports

    def _k8s_services(self) -> list[dict]:
        # Collected once (the files do not change after parsing): collecting them for every
        # launch of every client cost minutes on a tree of a few thousand files.
        if self._services is None:
            self._services = []
            for ff in self.files.values():
                self._services.extend(ff.data.get("k8s_services", []))
        return self._services

    def _link_chat_uis(self) -> None:
        for ui in self.chat_uis:
            for url, loc in ui.base_urls:
                target = self.launch_for_url(url, near=ui.loc.path)
                if target is not None:
                    self.ui_links.append((ui, url, loc, target))

    def launch_for_url(self, url: str, near: Path | None = None) -> Launch | None:
        try:
            u = urlparse(url if "://" in url else "http://" + url)
        except ValueError:
            return None
        host = (u.hostname or "").lower()
        try:
            port = str(u.port) if u.port else None
        except ValueError:
            port = None
        if not host:
            return None
        host_short = host.split(".")[0]
        local = host in ("localhost", "127.0.0.1", "0.0.0.0", "host.docker.internal", "::1")
        best = None
        for launch in self.launches:
            if launch.form in OFFLINE_FORMS:
                continue  # an in-process engine listens on no port
            if near is not None and not self.same_project(launch.path, near):
                continue
            names, ports = self.endpoint_names(launch)
            if local:
                if port and port in ports and not launch.service:
                    best = launch
                elif port and any(pub and pub.split(":")[-1] == port for pub, _ in launch.ports):
                    best = launch
                continue
            if host in names or host_short in names:
                if port is None or port in ports or not ports:
                    if best is None or (near and launch.path.parent == near.parent):
                        best = launch
        return best


def _adapter_items(tok: Token) -> list[tuple[str, Token]]:
    """`name=path`, `path` (name "default"), or vLLM/SGLang JSON `{"name"/"lora_name", "path"}`."""
    text = tok.text.strip()
    if text.startswith("{"):
        import json

        try:
            d = json.loads(text)
        except ValueError:
            return []
        if isinstance(d, dict):
            name = d.get("name") or d.get("lora_name")
            path = d.get("path") or d.get("lora_path")
            if isinstance(name, str) and isinstance(path, str):
                return [(name, Token(path, tok.loc, tok.resolved, tok.origin))]
        return []
    out = []
    for part in text.split(",") if "," in text and "=" in text else [text]:
        name, eq, path = part.partition("=")
        if eq:
            out.append((name.strip(), Token(path.strip(), tok.loc, tok.resolved, tok.origin)))
        else:
            out.append(("default", Token(part.strip(), tok.loc, tok.resolved, tok.origin)))
    return out


def relative_json_loc(doc: jsonutil.JsonDoc, *keys: Any) -> Loc:
    return doc.loc(*keys)


__all__ = ["Project", "fact_at"]
