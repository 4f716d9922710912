"""What each engine, at its version, turns a conversation into: template resolution as data.

For a launch (or a model directory and an engine named on the command line), ``resolve`` returns a
``Prompting``: where the template comes from (with the engine's own resolution order), and a
``render(messages)`` that builds the exact prompt string. Each engine's resolution order lives in
its engine module (``engines/<engine>.py`` ``_prompting``) with its source; this module holds
what they share (the Hugging Face template lookup, rendering, probe conversations).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..facts import Launch, ModelDir
from ..location import Loc, read_text

if TYPE_CHECKING:
    from ..engines.lmdeploy_templates import ResolvedTemplate, TemplateChoice
    from .llamafactory import LFTemplate

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


@dataclass(frozen=True)
class LmdeployForm:
    """An LMDeploy chat template (engines/lmdeploy_templates.py) the engine applies itself."""

    template: TemplateChoice | ResolvedTemplate


@dataclass(frozen=True)
class SglangForm:
    """An SGLang conversation template: a built-in name, or one a JSON file registers."""

    conversation: str | dict[str, Any]


@dataclass(frozen=True)
class OllamaForm:
    """Ollama's Go template with the Modelfile's SYSTEM and MESSAGEs (engines/ollama_prompt.py)."""

    template: str
    system: str | None = None
    messages: tuple[Any, ...] = ()  # MESSAGE instructions: {"role": ..., "content": ...}


@dataclass(frozen=True)
class LlamaFactoryForm:
    """A LLaMA-Factory template (templates/llamafactory.py) with the model's special tokens."""

    template: LFTemplate
    default_system: str | None
    bos_token: str
    eos_token: str


@dataclass(frozen=True)
class LlamaCppForm:
    """One of llama.cpp's built-in (non-Jinja) chat templates, by name."""

    name: str


#: How an engine other than a Jinja renderer builds the prompt: one typed record per kind.
EngineForm = LmdeployForm | SglangForm | OllamaForm | LlamaFactoryForm | LlamaCppForm


@dataclass
class Prompting:
    engine: str
    version: str | None
    kind: str  # "jinja" | "lmdeploy" | "sglang" | "ollama" | "llamafactory" | "llamacpp" | "none"
    # | "unknown"
    source: str
    loc: Loc | None = None
    jinja: HFTemplate | None = None
    form: EngineForm | None = None  # kind "lmdeploy", "sglang", "ollama", "llamafactory" ...
    failure: str | None = None  # what a chat request gets when kind == "none"
    silent: bool = False  # the failure produces an answer anyway (wrong format), not an error
    # the template option itself stops the server at startup (a path that cannot be opened):
    # nothing is served at all, chat use or not
    fatal: bool = False
    notes: list[str] = field(default_factory=list)
    # a default system prompt the deployment configures on purpose (an Ollama Modelfile SYSTEM)
    deliberate_system: str | None = None
    # the template was given explicitly (`--chat-template`), replacing the model's own
    override: bool = False
    # template variables passed to every render (e.g. a pinned date, enable_thinking=False)
    template_vars: dict[str, Any] = field(default_factory=dict)
    # the template is the model family's format from built-in knowledge (knowledge/formats.py):
    # a FormatMatch (the format, its variants and volatile text, how the model was matched)
    knowledge: Any = None

    def render_vars(self) -> dict[str, Any]:
        """Template variables of a render: a built-in format's pinned variables, then the
        explicit ``template_vars``."""
        base = dict(self.knowledge.format.variables) if self.knowledge is not None else {}
        base.update(self.template_vars)
        return base

    def source_loc_if_override(self) -> Loc | None:
        return self.loc if self.override else None

    @property
    def renders(self) -> bool:
        """A template is known and can be rendered (not missing, not unknown)."""
        return self.kind not in ("none", "unknown")

    @property
    def text_template(self) -> bool:
        """A template whose rendered text shows the tokens around each turn (Jinja, Go)."""
        return self.kind in ("jinja", "ollama", "llamacpp")

    @property
    def bos_token(self) -> str | None:
        if self.jinja is not None:
            return self.jinja.special_tokens.get("bos_token")
        if isinstance(self.form, LlamaFactoryForm):
            return self.form.bos_token or None
        return None

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
        elif isinstance(self.form, OllamaForm):
            key = (self.kind, self.form.template, self.form.system)
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
                extra=p.render_vars() or None,
            )
        except TemplateError as e:
            if e.kind in ("timeout", "output-limit"):
                from ..budget import note_render_limit

                note_render_limit(p.jinja.loc or p.loc, e.kind, e.message)
            raise RenderError(e.message if hasattr(e, "message") else str(e)) from None
    form = p.form
    if p.kind == "lmdeploy" and isinstance(form, LmdeployForm):
        from ..engines import lmdeploy_templates as lt

        out = lt.render(form.template, messages, version=p.version, add_generation_prompt=gen)
        if out is None:
            raise RenderError("LMDeploy renders this model with its Hugging Face template")
        return out
    if p.kind == "sglang" and isinstance(form, SglangForm):
        from ..engines import sglang_templates as st

        return st.render(form.conversation, messages, add_generation_prompt=gen, version=p.version)
    if p.kind == "ollama" and isinstance(form, OllamaForm):
        from ..engines.ollama_prompt import render_ollama
        from .gotmpl import GoTemplateError

        try:
            return render_ollama(
                form.template,
                messages,
                system=form.system,
                modelfile_messages=list(form.messages) or None,
                add_generation_prompt=gen,
                timeout=seconds,
            )
        except GoTemplateError as e:
            if e.kind == "limit":
                from ..budget import note_render_limit

                note_render_limit(p.loc, "output-limit", e.message)
            raise
    if p.kind == "llamacpp" and isinstance(form, LlamaCppForm):
        from ..engines import llamacpp_templates as lct

        try:
            return lct.render(form.name, messages, add_generation_prompt=gen)
        except KeyError:
            raise RenderError(f"llama.cpp's built-in `{form.name}` is not modelled") from None
        except ValueError as e:  # a content part that is not text
            raise RenderError(str(e)) from None
    if p.kind == "llamafactory" and isinstance(form, LlamaFactoryForm):
        from . import llamafactory as lf

        return lf.format_conversation(
            form.template,
            messages,
            default_system=form.default_system,
            add_generation_prompt=gen,
            bos_token=form.bos_token,
            eos_token=form.eos_token,
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


def select_template(value: Any) -> str | None:
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
            t = select_template(data.get("chat_template"))
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
            t = select_template(doc.data.get("chat_template"))
            if t:
                return HFTemplate(
                    t, "tokenizer_config.json chat_template", doc.loc("chat_template"), st
                )
    return None


def has_any_tokenizer_config(md: ModelDir | None) -> bool:
    return md is not None and ("tokenizer_config.json" in md.names or bool(md.docs))


# -- helpers for the engines' template resolution ---------------------------------------------


def chat_template_arg(launch: Launch, dest: str = "chat_template"):
    """(occurrence, text, token) of a template option, or (None, None, None)."""
    occ = launch.args.last(dest)
    if occ is None or not occ.values:
        return None, None, None
    tok = occ.values[0]
    return occ, tok.text, tok


def mark_override(p: Prompting, launch: Launch, dest: str = "chat_template") -> Prompting:
    """Flag ``p`` as an explicit template option's (it replaces the model's own template)."""
    occ = launch.args.last(dest)
    if occ is not None and p.loc is not None and p.loc == occ.loc:
        p.override = True
    return p


def launch_special_tokens(launch: Launch) -> dict[str, str]:
    """The special tokens a template given on the command line is rendered with: the tokenizer's
    files when they are readable, else the model family's tokens from built-in knowledge (the
    engine loads the tokenizer from the hub or the GGUF)."""
    md = tokenizer_dir(launch)
    if md is not None:
        return special_tokens(md)
    ref = launch.tokenizer.ref if launch.tokenizer is not None else None
    if ref is None and launch.model is not None:
        ref = launch.model.ref
    if not ref:
        return {}
    from ..knowledge import formats

    try:
        match = formats.for_model(ref)
    except Exception:  # noqa: BLE001
        return {}
    return match.format.special_tokens if match is not None else {}


def tokenizer_dir(launch: Launch) -> ModelDir | None:
    if launch.tokenizer is not None:
        return launch.tokenizer.directory
    return launch.model.directory if launch.model is not None else None


def knowledge_format(
    model_id: str | None, engine: str, version: str | None, where: str | None = None
) -> Prompting | None:
    """The model's own template from built-in knowledge of its family's chat format
    (knowledge/formats.py), or None when the family's format is not known."""
    if not model_id:
        return None
    from ..knowledge import formats

    try:
        match = formats.for_model(model_id)
    except Exception:  # noqa: BLE001 - a bad name is "unknown", never a crash
        return None
    if match is None:
        return None
    fmt = match.format
    source = (where + ": " if where else "") + match.phrase
    t = HFTemplate(fmt.template, source, None, fmt.special_tokens)
    p = Prompting(engine, version, "jinja", source, None, t)
    p.knowledge = match
    p.notes.append(f"format source: {fmt.citation}")
    return p


def knowledge_prompting(engine: str, version: str | None, launch: Launch, where: str) -> Prompting:
    """The model's own template when only its hub id is known: built-in knowledge of its family's
    format, else unknown."""
    ref = launch.tokenizer.ref if launch.tokenizer is not None else None
    if ref is None and launch.model is not None:
        ref = launch.model.ref
    p = knowledge_format(ref, engine, version, where)
    if p is not None:
        return p
    return Prompting(engine, version, "unknown", where)


def knowledge_reference(model_id: str, version: str | None = None) -> Prompting:
    """The model's own template (the transformers reference) when only its hub id is known: its
    family's format from built-in knowledge, else unknown."""
    p = knowledge_format(model_id, "transformers", version)
    if p is not None:
        return p
    return Prompting("transformers", version, "unknown", "model files not available")


def resolve(project, launch: Launch) -> Prompting:
    """How the launch's engine builds prompts (each engine answers ``prompting``)."""
    from ..engines.registry import engine_for

    impl = engine_for(launch.engine)
    if impl is None:
        version = launch.version.version if launch.version else None
        return Prompting(launch.engine, version, "unknown", "engine not modelled")
    return impl.prompting(project, launch)


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


def hf_or_unknown(
    engine: str, version, md: ModelDir | None, where: str, launch: Launch | None = None
) -> Prompting:
    if md is None:
        if launch is not None:
            return knowledge_prompting(engine, version, launch, where)
        return Prompting(engine, version, "unknown", where)
    t = hf_template(md)
    if t is None:
        return Prompting(engine, version, "none", where, failure="no chat template to apply")
    return Prompting(engine, version, "jinja", f"{where}: {t.source}", t.loc, t)


def lf_prompting(
    name: str,
    version: str | None,
    default_system: str | None,
    md: ModelDir | None,
    loc: Loc | None = None,
    tokens: dict[str, str] | None = None,
) -> Prompting:
    """LLaMA-Factory's template ``name`` at ``version``, rendered with the special tokens of the
    tokenizer in ``md`` or, when its files are not here, ``tokens`` (the family's tokens from
    built-in knowledge: LLaMA-Factory fills its slots from the tokenizer it trains with)."""
    from . import llamafactory as lf

    tpl = lf.get_template(name, version)
    if tpl is None:
        return Prompting(
            "llamafactory",
            version,
            "unknown",
            f"template `{name}` unknown at LLaMA-Factory {version or '(newest)'}",
        )
    st = special_tokens(md) if md is not None else dict(tokens or {})
    bos = st.get("bos_token", "")
    eos = st.get("eos_token", "")
    return Prompting(
        "llamafactory",
        version,
        "llamafactory",
        f"LLaMA-Factory template `{name}`",
        loc,
        form=LlamaFactoryForm(tpl, default_system, bos, eos),
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
