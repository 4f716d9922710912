"""The one place where `--verify` reads the scan's internals.

A probe gets a :class:`Subject`: the finding (code, location, evidence) plus what it needs from
the linked project — the launch the finding is about, its model and tokenizer directories, the
prompt the engine builds, the adapters involved. Everything here goes through the finding's
evidence and the project's public helpers, so that a change in how rules and deployments are
modelled only has to be followed in this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Subject:
    code: str
    finding: Any  # deploylint.findings.Finding
    project: Any  # deploylint.project.Project
    launch: Any = None  # deploylint.facts.Launch, when the finding is about one
    evidence: dict[str, Any] = field(default_factory=dict)

    # -- the deployment ----------------------------------------------------------------------
    @property
    def engine(self) -> str | None:
        if self.launch is not None:
            return self.launch.engine
        e = self.evidence.get("engine")
        return e if isinstance(e, str) else None

    @property
    def engine_version(self) -> str | None:
        if self.launch is not None and self.launch.version is not None:
            return self.launch.version.version
        return None

    @property
    def model_ref(self) -> str | None:
        if self.launch is not None and self.launch.model is not None:
            return self.launch.model.ref
        m = self.evidence.get("model")
        return m if isinstance(m, str) else None

    @property
    def model_dir(self) -> Path | None:
        """The model's local directory, when the scan linked one."""
        if self.launch is not None and self.launch.model is not None:
            md = self.launch.model.directory
            return Path(md.path) if md is not None else None
        if self.code == "DPL201" and "loaded_at" in self.evidence:
            return self._transformers_model_dir()
        return None

    @property
    def tokenizer_dir(self) -> Path | None:
        """The tokenizer the engine loads: --tokenizer when given, else the model's."""
        if self.launch is not None and self.launch.tokenizer is not None:
            md = self.launch.tokenizer.directory
            if md is not None:
                return Path(md.path)
        return self.model_dir

    def engine_args(self) -> dict[str, str]:
        """Engine arguments a local vLLM run reuses (as written on the command line)."""
        out: dict[str, str] = {}
        if self.launch is None:
            return out
        for dest in (
            "dtype",
            "max_model_len",
            "tensor_parallel_size",
            "pipeline_parallel_size",
            "max_lora_rank",
            "max_loras",
            "gpu_memory_utilization",
            "quantization",
            "trust_remote_code",
            "enable_lora",
        ):
            try:
                if dest in ("enable_lora", "trust_remote_code"):
                    if self.launch.args.flag(dest):
                        out[dest] = "true"
                    continue
                v = self.launch.args.value(dest)
            except Exception:  # noqa: BLE001 - an option the engine does not know
                v = None
            if v is not None:
                out[dest] = str(v)
        return out

    # -- prompts -------------------------------------------------------------------------------
    def engine_prompting(self):
        """templates.resolve.Prompting: how the engine builds the prompt (or None)."""
        if self.launch is not None:
            return self.project.prompting(self.launch)
        md = self._transformers_model_dir()
        if md is not None:
            from ..templates.resolve import resolve_transformers

            return resolve_transformers(self.project.model_dir(md))
        return None

    def end_of_turn(self, prompting) -> tuple[str | None, set[str]]:
        """(the special token that ends an assistant turn in the engine's template, the
        tokenizer's special tokens), as DPL203 reads them."""
        from ..checks.dpl203_eos_token_mismatch import end_of_turn
        from ..tokenizers import added_token_ids, special_tokens

        md = self.tokenizer_model_dir()
        if md is None:
            return None, set()
        specials = set(added_token_ids(md)) | set(special_tokens(md).values())
        return end_of_turn(prompting, specials), specials

    def tokenizer_model_dir(self):
        """The scan's ModelDir of the tokenizer directory (for special-token lookups)."""
        d = self.tokenizer_dir
        return self.project.model_dir(d) if d is not None else None

    # -- adapters ------------------------------------------------------------------------------
    def adapter_use(self):
        """The lineage AdapterUse the finding is about (DPL302/303/304), or None."""
        from ..link.lineage import adapter_uses

        name = self.evidence.get("adapter")
        for use in adapter_uses(self.project):
            if use.loc == self.finding.loc and (name is None or use.ref.text == name):
                return use
        return None

    def adapter_dir_of(self, use) -> Path | None:
        from ..link.lineage import adapter_info

        info = adapter_info(self.project, use.ref)
        md: Any = info.directory
        return Path(md.path) if md is not None else None

    def base_dir_of(self, use) -> Path | None:
        """The local directory of the base model an adapter is applied to."""
        owner = use.owner
        model = getattr(owner, "model", None)
        if model is not None and getattr(model, "directory", None) is not None:
            return Path(model.directory.path)
        if isinstance(use.base, str):
            return self.resolve_model(use.base, use.loc.path.parent if use.loc else None)
        return None

    def resolve_model(self, ref: str, base: Path | None) -> Path | None:
        """A model reference as a local directory: relative to `base` or a scan root, the
        Hugging Face cache. None when it is not on this machine."""
        from ..location import safe_is_dir

        p = Path(ref)
        cands = [p] if p.is_absolute() else []
        if not p.is_absolute():
            if base is not None:
                cands.append(base / p)
            for r in self.project.roots:
                cands.append((r if r.is_dir() else r.parent) / p)
        for c in cands:
            if safe_is_dir(c) and self.project.model_dir(c) is not None:
                return c
        from ..link.models import hf_cache

        md = hf_cache(ref)
        return Path(md.path) if md is not None else None

    def lmdeploy_adapters(self) -> list[Path]:
        """DPL301 `--adapters name=path` on TurboMind: the adapter directories."""
        out = []
        for text in self.evidence.get("adapters") or []:
            path = str(text).split("=", 1)[-1]
            local = self.project.local_path(self.launch, path) if self.launch else None
            if local is not None and self.project.model_dir(local) is not None:
                out.append(local)
        return out

    def training_output(self) -> Path | None:
        """DPL301 "fine-tune never served": the adapter directory the training writes."""
        od = self.evidence.get("output_dir")
        loc = self.evidence.get("training_config")
        if not isinstance(od, str) or loc is None:
            return None
        return self.resolve_model(od, Path(loc.path).parent)

    def prompt_tuning_target(self) -> tuple[Path | None, Path | None]:
        """DPL304 `generate` on a prompt-tuning model: (adapter dir, base model dir)."""
        ops = [op for op in self.project.peft_ops if op.loc.path == self.finding.loc.path]
        gen = next((op for op in ops if op.op == "generate" and op.loc == self.finding.loc), None)
        if gen is None:
            return None, None
        by_var = {op.var: op for op in ops if op.var and op.op != "generate"}
        op = by_var.get(gen.var)
        seen = 0
        while op is not None and op.op == "merge" and seen < 10:
            op, seen = by_var.get(op.source_var), seen + 1
        if op is None or op.op != "load-adapter" or op.adapter is None:
            return None, None
        adapter = base = None
        if isinstance(op.adapter.value, str):
            adapter = self.resolve_model(op.adapter.value, op.loc.path.parent)
        src = by_var.get(op.source_var) if op.source_var else None
        if src is not None and src.model is not None and isinstance(src.model.value, str):
            base = self.resolve_model(src.model.value, src.loc.path.parent)
        return adapter, base

    # -- DPL201 on `apply_chat_template` ----------------------------------------------------
    def _transformers_model_dir(self) -> Path | None:
        ref = self.evidence.get("model")
        loc = self.evidence.get("loaded_at")
        if not isinstance(ref, str) or loc is None:
            return None
        return self.resolve_model(ref, Path(loc.path).parent)


def subject_for(finding, project) -> Subject:
    ev = finding.evidence or {}
    launch = None
    where = ev.get("launch_location")
    if where is not None and project is not None:
        for lc in project.launches:
            if lc.loc is where or lc.loc == where:
                launch = lc
                break
    return Subject(finding.code, finding, project, launch, ev)
