"""What each engine, at its version, turns a conversation into: template resolution as data.

For a launch (or a model directory and an engine named on the command line), ``resolve`` returns a
``Prompting``: where the template comes from (with the engine's own resolution order), and a
``render(messages)`` that builds the exact prompt string. Sources of the resolution orders:
../shared/research/domain.md §1.3 (vLLM), §2.2 (LMDeploy), §3.1 (SGLang), §3.2 (TGI),
§3.3 (Ollama), §3.4 (llama.cpp), §4 (transformers), §7.2 (LLaMA-Factory).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..facts import Launch, ModelDir
from ..location import Loc, read_text, safe_is_file
from ..versions import Version

VLLM_NO_TEMPLATE = (
    'HTTP 400 "As of transformers v4.44, default chat template is no longer allowed, so you must '
    'provide a chat template if the tokenizer does not define one." (vllm issues #29849, #39279)'
)
TGI_NO_TEMPLATE = (
    'HTTP 422 "Template error: template not found" — TGI reads the template from '
    "tokenizer_config.json only (TGI issues #1593, #3247)"
)
TRANSFORMERS_NO_TEMPLATE = (
    'ValueError "Cannot use chat template functions because tokenizer.chat_template is not set" '
    "(transformers ≥ 4.44)"
)


class RenderError(Exception):
    pass


@dataclass
class HFTemplate:
    text: str
    source: str  # "tokenizer_config.json chat_template" ...
    loc: Loc | None
    special_tokens: dict[str, str] = field(default_factory=dict)


@dataclass
class Prompting:
    engine: str
    version: str | None
    kind: str  # "jinja" | "lmdeploy" | "sglang" | "ollama" | "llamafactory" | "none" | "unknown"
    source: str
    loc: Loc | None = None
    jinja: HFTemplate | None = None
    lmdeploy: Any = None  # TemplateChoice | ResolvedTemplate
    sglang: Any = None  # conversation name or dict
    ollama: dict[str, Any] | None = None  # {"template", "system", "messages"}
    llamafactory: Any = None  # (LFTemplate, default_system)
    failure: str | None = None  # what a chat request gets when kind == "none"
    silent: bool = False  # the failure produces an answer anyway (wrong format), not an error
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        from ..engines import DISPLAY_NAMES

        name = DISPLAY_NAMES.get(self.engine, self.engine)
        return f"{name} {self.version}" if self.version else name

    def render(self, messages: list[dict], add_generation_prompt: bool = True) -> str:
        """The prompt, within the scan's render budget (budget.py): a render over its limits,
        or refused because the scan's time for renders is used up, raises RenderError (and is
        reported as DPL000 by the scan)."""
        from ..budget import render_piece

        key: Any = None  # a template over a limit is not rendered again
        if self.kind == "jinja" and self.jinja is not None:
            key = (self.kind, self.jinja.text)
        elif self.kind == "ollama" and self.ollama is not None:
            key = (self.kind, self.ollama.get("template"), self.ollama.get("system"))
        return render_piece(
            lambda seconds: self._render_unbudgeted(messages, add_generation_prompt, seconds),
            self.loc or (self.jinja.loc if self.jinja is not None else None),
            RenderError,
            key,
        )

    def _render_unbudgeted(self, messages: list[dict], gen: bool, seconds: float) -> str:
        try:
            return _render(self, messages, gen, seconds)
        except RenderError:
            raise
        except Exception as e:  # noqa: BLE001 - every renderer's failure is a RenderError
            raise RenderError(f"{type(e).__name__}: {e}") from None


def _render(p: Prompting, messages: list[dict], gen: bool, seconds: float = 2.0) -> str:
    if p.kind == "jinja" and p.jinja is not None:
        from .jinja_render import TemplateError, render

        try:
            return render(
                p.jinja.text,
                messages,
                add_generation_prompt=gen,
                special_tokens=p.jinja.special_tokens,
                time_limit=seconds,
            )
        except TemplateError as e:
            if e.kind in ("timeout", "output-limit"):
                from ..budget import note_render_limit

                note_render_limit(p.jinja.loc or p.loc, e.kind, e.message)
            raise RenderError(e.message if hasattr(e, "message") else str(e)) from None
    if p.kind == "lmdeploy":
        from ..engines import lmdeploy_templates as lt

        out = lt.render(p.lmdeploy, messages, version=p.version, add_generation_prompt=gen)
        if out is None:
            raise RenderError("LMDeploy renders this model with its Hugging Face template")
        return out
    if p.kind == "sglang":
        from ..engines import sglang_templates as st

        return st.render(p.sglang, messages, add_generation_prompt=gen, version=p.version)
    if p.kind == "ollama" and p.ollama is not None:
        from ..engines.ollama_prompt import render_ollama
        from .gotmpl import GoTemplateError

        try:
            return render_ollama(
                p.ollama["template"],
                messages,
                system=p.ollama.get("system"),
                modelfile_messages=p.ollama.get("messages") or None,
                add_generation_prompt=gen,
                timeout=seconds,
            )
        except GoTemplateError as e:
            if e.kind == "limit":
                from ..budget import note_render_limit

                note_render_limit(p.loc, "output-limit", e.message)
            raise
    if p.kind == "llamafactory" and p.llamafactory is not None:
        from . import llamafactory as lf

        tpl, default_system, bos, eos = p.llamafactory
        return lf.format_conversation(
            tpl,
            messages,
            default_system=default_system,
            add_generation_prompt=gen,
            bos_token=bos,
            eos_token=eos,
        )
    raise RenderError(p.failure or f"no template to render ({p.source})")


# -- Hugging Face templates in a model directory ----------------------------------------------


def special_tokens(md: ModelDir | None) -> dict[str, str]:
    if md is None:
        return {}
    from .jinja_render import special_tokens_from_tokenizer_config

    cfg = dict(md.json("special_tokens_map.json"))
    cfg.update(md.json("tokenizer_config.json"))
    try:
        return special_tokens_from_tokenizer_config(cfg)
    except Exception:  # noqa: BLE001 - odd configs: no special tokens rather than no result
        return {}


def _jinja_file(md: ModelDir) -> str | None:
    if md.chat_template_jinja is not None:
        return md.chat_template_jinja
    if "chat_template.jinja" in md.names:
        try:
            md.chat_template_jinja = read_text(md.path / "chat_template.jinja")
        except (OSError, ValueError):
            return None
        return md.chat_template_jinja
    return None


def _select(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict)):
        from .jinja_render import select_template

        try:
            return select_template(value)
        except Exception:  # noqa: BLE001
            return None
    return None


def hf_template(
    md: ModelDir | None,
    *,
    processor: bool = True,
    jinja_file: bool = True,
    tokenizer_config: bool = True,
) -> HFTemplate | None:
    """The template transformers (and engines built on it) load from a model directory.

    Order: the processor's chat_template.json (multimodal models), chat_template.jinja
    (transformers ≥ 4.47; overrides tokenizer_config.json), tokenizer_config.json `chat_template`.
    """
    if md is None:
        return None
    st = special_tokens(md)
    if processor and "chat_template.json" in md.names:
        doc = md.docs.get("chat_template.json")
        data = doc.data if doc is not None else None
        if isinstance(data, dict):
            t = _select(data.get("chat_template"))
            if t:
                return HFTemplate(t, "chat_template.json (processor)", doc.loc("chat_template"), st)
    if jinja_file:
        t = _jinja_file(md)
        if t is not None:
            return HFTemplate(
                t, "chat_template.jinja", Loc(md.path / "chat_template.jinja", 1, 1, 1, 2), st
            )
    if tokenizer_config:
        doc = md.docs.get("tokenizer_config.json")
        if doc is not None and isinstance(doc.data, dict):
            t = _select(doc.data.get("chat_template"))
            if t:
                return HFTemplate(
                    t, "tokenizer_config.json chat_template", doc.loc("chat_template"), st
                )
    return None


def has_any_tokenizer_config(md: ModelDir | None) -> bool:
    return md is not None and ("tokenizer_config.json" in md.names or bool(md.docs))


# -- per engine ---------------------------------------------------------------------------------


def _chat_template_arg(project, launch: Launch, dest: str = "chat_template"):
    occ = launch.args.last(dest)
    if occ is None or not occ.values:
        return None, None, None
    tok = occ.values[0]
    return occ, tok.text, tok


def _read_template_file(project, launch: Launch, text: str) -> tuple[str | None, Path | None]:
    inline = launch.extra.get("inline_files") or {}
    if text in inline:
        return inline[text][0], None
    path = project.local_path(launch, text)
    if path is not None and safe_is_file(path):
        try:
            return read_text(path), path
        except (OSError, ValueError):
            return None, path
    return None, path


def _tokenizer_dir(launch: Launch) -> ModelDir | None:
    if launch.tokenizer is not None:
        return launch.tokenizer.directory
    return launch.model.directory if launch.model is not None else None


def _tokenizer_known(launch: Launch) -> bool:
    ref = launch.tokenizer or launch.model
    return ref is not None and ref.directory is not None


def resolve(project, launch: Launch) -> Prompting:
    version = launch.version.version if launch.version else None
    fn = {
        "vllm": _vllm,
        "lmdeploy": _lmdeploy,
        "sglang": _sglang,
        "tgi": _tgi,
        "ollama": _ollama,
        "llamacpp": _llamacpp,
        "llamafactory": _llamafactory,
    }.get(launch.engine)
    if fn is None:
        return Prompting(launch.engine, version, "unknown", "engine not modelled")
    return fn(project, launch, version)


def _vllm(project, launch: Launch, version: str | None) -> Prompting:
    occ, text, tok = _chat_template_arg(project, launch)
    if occ is not None:
        if not any(c in text for c in "{}\n"):
            body, path = _read_template_file(project, launch, text)
            if body is None:
                return Prompting(
                    "vllm",
                    version,
                    "unknown",
                    f"--chat-template {text}",
                    occ.loc,
                    notes=[f"{text} is not readable in the repository"],
                )
            where = f"--chat-template {text}"
            st = special_tokens(_tokenizer_dir(launch))
            return Prompting(
                "vllm", version, "jinja", where, occ.loc, HFTemplate(body, where, occ.loc, st)
            )
        st = special_tokens(_tokenizer_dir(launch))
        return Prompting(
            "vllm",
            version,
            "jinja",
            "--chat-template (inline)",
            occ.loc,
            HFTemplate(text, "--chat-template (inline)", occ.loc, st),
        )
    md = _tokenizer_dir(launch)
    if md is None:
        return Prompting(
            "vllm",
            version,
            "unknown",
            "the model's own template (its files are not in the repository)",
        )
    t = hf_template(md)
    if t is not None:
        return Prompting("vllm", version, "jinja", t.source, t.loc, t)
    if "tokenizer_config.json" not in md.names:
        return Prompting("vllm", version, "unknown", "the directory has no tokenizer files")
    return Prompting(
        "vllm",
        version,
        "none",
        "no chat template in the model or tokenizer directory and no --chat-template",
        failure=VLLM_NO_TEMPLATE,
    )


def resolve_transformers(md: ModelDir | None, version: str | None = None) -> Prompting:
    if md is None:
        return Prompting("transformers", version, "unknown", "model files not available")
    t = hf_template(md)
    if t is not None:
        return Prompting("transformers", version, "jinja", t.source, t.loc, t)
    if "tokenizer_config.json" not in md.names:
        return Prompting("transformers", version, "unknown", "no tokenizer files")
    return Prompting(
        "transformers", version, "none", "no chat template", failure=TRANSFORMERS_NO_TEMPLATE
    )


def _tgi(project, launch: Launch, version: str | None) -> Prompting:
    occ, text, tok = _chat_template_arg(project, launch, "tokenizer_config_path")
    if occ is not None:
        body, path = _read_template_file(project, launch, text)
        if body is None:
            return Prompting("tgi", version, "unknown", f"--tokenizer-config-path {text}", occ.loc)
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        t = _select(data.get("chat_template")) if isinstance(data, dict) else None
        if t:
            st = special_tokens(_tokenizer_dir(launch))
            return Prompting(
                "tgi",
                version,
                "jinja",
                f"--tokenizer-config-path {text}",
                occ.loc,
                HFTemplate(t, f"--tokenizer-config-path {text}", occ.loc, st),
            )
        return Prompting(
            "tgi",
            version,
            "none",
            f"--tokenizer-config-path {text} has no chat_template",
            occ.loc,
            failure=TGI_NO_TEMPLATE,
        )
    md = _tokenizer_dir(launch)
    if md is None:
        return Prompting("tgi", version, "unknown", "the model's files are not in the repository")
    t = hf_template(md, processor=False, jinja_file=False)
    if t is not None:
        return Prompting("tgi", version, "jinja", t.source, t.loc, t)
    note = []
    if "chat_template.jinja" in md.names or "chat_template.json" in md.names:
        note.append(
            "the directory has a chat_template.jinja/.json, which TGI does not read "
            "(TGI issue #3247)"
        )
    return Prompting(
        "tgi",
        version,
        "none",
        "no chat_template in tokenizer_config.json",
        failure=TGI_NO_TEMPLATE,
        notes=note,
    )


def _lmdeploy(project, launch: Launch, version: str | None) -> Prompting:
    from ..engines import lmdeploy_templates as lt

    md = launch.model.directory if launch.model is not None else None
    occ, text, tok = _chat_template_arg(project, launch)
    if occ is not None:
        body, path = _read_template_file(project, launch, text)
        try:
            if body is not None:
                resolved = lt.load_chat_template_json(json.loads(body), version)
                where = f"--chat-template {text} (JSON)"
            else:
                resolved = lt.builtin_template(text, version)
                where = f"--chat-template {text} (built-in)"
        except Exception as e:  # noqa: BLE001
            return Prompting(
                "lmdeploy",
                version,
                "unknown",
                f"--chat-template {text}",
                occ.loc,
                notes=[f"cannot resolve: {e}"],
            )
        if resolved.uses_hf_template:
            return _hf_or_unknown("lmdeploy", version, md, where + " → the model's HF template")
        return Prompting("lmdeploy", version, "lmdeploy", where, occ.loc, lmdeploy=resolved)
    path_text = launch.model.ref if launch.model is not None else ""
    has_hf = None
    if md is not None:
        has_hf = hf_template(md) is not None
    choice = lt.match_template(
        path_text,
        version,
        model_name=launch.args.value("model_name"),
        hf_chat_template=has_hf,
        config=md.json("config.json") if md else None,
    )
    if choice.uses_hf_template:
        return _hf_or_unknown("lmdeploy", version, md, f"the model's HF template ({choice.reason})")
    where = f"LMDeploy built-in template '{choice.name}' ({choice.reason})"
    if choice.fallback and choice.name == "base":
        v = Version.parse(choice.version or "0")
        if v is not None and v < Version.parse("0.10.0"):
            return Prompting(
                "lmdeploy",
                version,
                "none",
                where,
                failure=(
                    'LMDeploy answers chat requests with an error: "You are using base template to '
                    'handle chat task" (the path matches no built-in template)'
                ),
            )
        return Prompting(
            "lmdeploy",
            version,
            "lmdeploy",
            where,
            lmdeploy=choice,
            silent=True,
            failure="messages are concatenated with no chat format",
        )
    return Prompting("lmdeploy", version, "lmdeploy", where, lmdeploy=choice)


def _hf_or_unknown(engine: str, version, md: ModelDir | None, where: str) -> Prompting:
    if md is None:
        return Prompting(engine, version, "unknown", where)
    t = hf_template(md)
    if t is None:
        return Prompting(engine, version, "none", where, failure="no chat template to apply")
    return Prompting(engine, version, "jinja", f"{where}: {t.source}", t.loc, t)


def _sglang(project, launch: Launch, version: str | None) -> Prompting:
    from ..engines import sglang_templates as st

    md = launch.model.directory if launch.model is not None else None
    occ, text, tok = _chat_template_arg(project, launch)
    if occ is not None:
        body, path = _read_template_file(project, launch, text)
        if body is not None and text.endswith(".json"):
            try:
                conv = st.load_chat_template_json(json.loads(body), version)
            except Exception as e:  # noqa: BLE001
                return Prompting(
                    "sglang", version, "unknown", f"--chat-template {text}", occ.loc, notes=[str(e)]
                )
            return Prompting(
                "sglang", version, "sglang", f"--chat-template {text}", occ.loc, sglang=conv
            )
        if body is not None:
            sp = special_tokens(_tokenizer_dir(launch))
            return Prompting(
                "sglang",
                version,
                "jinja",
                f"--chat-template {text}",
                occ.loc,
                HFTemplate(body, f"--chat-template {text}", occ.loc, sp),
            )
        return Prompting(
            "sglang", version, "sglang", f"--chat-template {text} (built-in)", occ.loc, sglang=text
        )
    path_text = launch.model.ref if launch.model is not None else ""
    choice = st.match_conversation_detail(
        path_text, version, config=md.json("config.json") if md else None
    )
    if choice.name is not None:
        return Prompting(
            "sglang",
            version,
            "sglang",
            f"SGLang conversation '{choice.name}' ({choice.reason})",
            sglang=choice.name,
        )
    return _hf_or_unknown("sglang", version, _tokenizer_dir(launch), "the tokenizer's HF template")


def _ollama(project, launch: Launch, version: str | None) -> Prompting:
    mf = launch.extra.get("modelfile") or {}
    tmpl = mf.get("template")
    system = mf.get("system")
    msgs = mf.get("messages") or []

    def _v(x):
        return getattr(x, "value", x)

    if tmpl is not None:
        loc = getattr(tmpl, "loc", None)
        return Prompting(
            "ollama",
            version,
            "ollama",
            "Modelfile TEMPLATE",
            loc,
            ollama={"template": _v(tmpl), "system": _v(system), "messages": [_v(m) for m in msgs]},
        )
    md = launch.model.directory if launch.model is not None else None
    if md is not None:
        t = hf_template(md)
        if t is not None:
            from ..engines.ollama_templates import autodetect, template

            name = autodetect(t.text)
            if name is not None and template(name) is not None:
                return Prompting(
                    "ollama",
                    version,
                    "ollama",
                    f"autodetected built-in template '{name}' from {t.source}",
                    ollama={
                        "template": template(name),
                        "system": _v(system),
                        "messages": [_v(m) for m in msgs],
                    },
                )
        return Prompting(
            "ollama",
            version,
            "ollama",
            "no TEMPLATE: Ollama's default `{{ .Prompt }}`",
            ollama={"template": "{{ .Prompt }}", "system": _v(system), "messages": []},
            silent=True,
            failure="the raw prompt is sent without any chat format and SYSTEM is dropped",
        )
    return Prompting(
        "ollama", version, "unknown", "the FROM model's own template (not readable statically)"
    )


def _llamacpp(project, launch: Launch, version: str | None) -> Prompting:
    occ, text, tok = _chat_template_arg(project, launch, "chat_template_file")
    if occ is not None:
        body, path = _read_template_file(project, launch, text)
        if body is not None:
            return Prompting(
                "llamacpp",
                version,
                "jinja",
                f"--chat-template-file {text}",
                occ.loc,
                HFTemplate(body, f"--chat-template-file {text}", occ.loc, {}),
            )
    occ, text, tok = _chat_template_arg(project, launch)
    if occ is not None and any(c in text for c in "{}"):
        return Prompting(
            "llamacpp",
            version,
            "jinja",
            "--chat-template (inline)",
            occ.loc,
            HFTemplate(text, "--chat-template (inline)", occ.loc, {}),
        )
    return Prompting(
        "llamacpp", version, "unknown", "the GGUF's embedded template (weights are never read)"
    )


def _llamafactory(project, launch: Launch, version: str | None) -> Prompting:
    run = launch.extra.get("training")
    name = launch.args.value("template") or (run.get("template") if run else None)
    if not name:
        return Prompting("llamafactory", version, "unknown", "no `template` given")
    default_system = launch.args.value("default_system") or (
        run.get("default_system") if run else None
    )
    return lf_prompting(
        str(name), version, default_system, launch.model.directory if launch.model else None
    )


def lf_prompting(
    name: str,
    version: str | None,
    default_system: str | None,
    md: ModelDir | None,
    loc: Loc | None = None,
) -> Prompting:
    from . import llamafactory as lf

    tpl = lf.get_template(name, version)
    if tpl is None:
        return Prompting(
            "llamafactory",
            version,
            "unknown",
            f"template `{name}` unknown at LLaMA-Factory {version or '(newest)'}",
        )
    st = special_tokens(md)
    bos = st.get("bos_token", "")
    eos = st.get("eos_token", "")
    return Prompting(
        "llamafactory",
        version,
        "llamafactory",
        f"LLaMA-Factory template `{name}`",
        loc,
        llamafactory=(tpl, default_system, bos, eos),
    )


# -- analysis helpers --------------------------------------------------------------------------

SENTINEL = "\u2063SYS\u2063"
USER = "What is the capital of France?"


def injected_system(p: Prompting) -> tuple[str | None, str, str] | None:
    """(default system text or None for no system block, rendered no-system prompt,
    rendered with-system prompt). None when it cannot be told (render failure)."""
    try:
        bare = p.render([{"role": "user", "content": USER}])
    except RenderError:
        return None
    try:
        withs = p.render(
            [{"role": "system", "content": SENTINEL}, {"role": "user", "content": USER}]
        )
    except RenderError:
        return (None, bare, "")  # the template refuses a system message
    i = withs.find(SENTINEL)
    if i < 0:
        return (None, bare, withs)
    pre, post = withs[:i], withs[i + len(SENTINEL) :]
    if bare.startswith(pre) and bare.endswith(post) and len(bare) >= len(pre) + len(post):
        return (bare[len(pre) : len(bare) - len(post)], bare, withs)
    return (None, bare, withs)


def refuses_system(p: Prompting) -> bool:
    try:
        p.render([{"role": "system", "content": "x"}, {"role": "user", "content": USER}])
    except RenderError:
        return True
    return False


def first_difference(a: str, b: str) -> dict[str, Any]:
    i = 0
    n = min(len(a), len(b))
    while i < n and a[i] == b[i]:
        i += 1
    return {"offset": i, "a": a[max(0, i - 20) : i + 60], "b": b[max(0, i - 20) : i + 60]}
