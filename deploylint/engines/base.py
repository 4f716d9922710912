"""The questions every engine answers.

A rule never names an engine: it asks a ``Deployment`` (deploylint/deployment.py), which asks the
launch's ``Engine``. Every engine implements every method below; an engine to which a question
does not apply says so with ``NotApplicable(reason)`` (tests/test_engine_conformance.py checks
that each engine answers each question for each of its forms).

What an answer needs from the rest of the scan (the model directory a launch serves, a template
file next to it) comes through the ``Linked`` protocol, which the linker implements; engines never
read files of their own accord.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..location import Loc
from .cli import OptionTable, ParsedArgs, Token

if TYPE_CHECKING:
    from ..facts import ClientCall, Launch, ModelDir, ModelRef, TrainingRun
    from ..templates.resolve import Prompting
    from .multimodal import ImageLimits


@dataclass(frozen=True)
class NotApplicable:
    """An explicit "this question does not apply to this engine (or form)", with why."""

    reason: str

    def __bool__(self) -> bool:
        return False


@dataclass(frozen=True)
class Entrypoint:
    """The words an engine's official image runs before the container's command."""

    words: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Problem:
    """A way a launch will not do what its command line says, in the engine's own terms."""

    kind: str  # e.g. "model-ignored", "entrypoint-repeated", "adapters-not-loaded"
    loc: Loc
    message: str
    fix: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    anchor: str = ""  # the finding's identity text (fingerprints; autofix looks it up)


@dataclass(frozen=True)
class ModelArg:
    """The model a launch serves, as the engine reads its command line."""

    token: Token | None
    text: str | None
    is_default: bool = False  # nothing given: the engine's default model
    note: str = ""  # shown in evidence ("a positional model", "no model_path: usage error")
    problems: tuple[Problem, ...] = ()  # the model the command means is not the one served


@dataclass(frozen=True)
class Adapter:
    """An adapter a launch loads at startup (one parser per engine, used everywhere)."""

    name: str  # the name requests select it by ("default" when the engine names it so)
    path: Token  # where it is read from, as written
    option: str  # the option (or variable) that gave it, as the engine spells it


@dataclass(frozen=True)
class RankLimit:
    """The largest LoRA rank an engine loads, and where that limit comes from."""

    limit: int
    source: str  # "--max-lora-rank 64" or "the default --max-lora-rank 16 (...)"
    flag: str  # the setting a fix changes ("--max-lora-rank", "vllm_max_lora_rank")
    loc: Loc | None = None  # where the limit was set, when it was


@dataclass(frozen=True)
class AdapterLoading:
    """How an engine treats the adapters of a launch."""

    problem: Problem | None  # the adapters given are not loaded as configured (and why)
    peft_types: frozenset[str] | None  # adapter types it applies (None: not known)
    peft_types_source: str
    rank_limit: RankLimit | None  # None: no limit the engine enforces at load, or not known
    rank_choices: tuple[int, ...] | None = None  # values the limit setting accepts
    rank_choices_source: str = ""
    rank_setting_loc: Loc | None = None  # the limit as written, checked against the choices
    rank_setting_value: int | None = None
    rejects: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # adapter_config keys the loader refuses: key -> (the engine's message, source)
    prompt_adapters: str | None = None  # how prompt-learning adapters fare, when they can load
    # A request selects an adapter by its `model` field and by nothing else (True), by other
    # means too (False), or it is not known (None) — and where that is said.
    selected_by_model: bool | None = None
    selection_source: str = ""


@dataclass(frozen=True)
class Listen:
    host: str
    port: str
    source: str


@dataclass(frozen=True)
class Setting:
    """A server-side default a request gets when it does not set the field itself."""

    value: Any
    source: str
    loc: Loc | None


@dataclass(frozen=True)
class StopSet:
    """The token texts an engine stops generation on by default, with where each comes from."""

    tokens: frozenset[str]
    why: tuple[str, ...]


@dataclass(frozen=True)
class RemoteCode:
    """Whether a launch runs code shipped with the model (``trust_remote_code``)."""

    enabled: bool
    source: str
    loc: Loc | None = None


@dataclass(frozen=True)
class ModelArch:
    """What a model's ``config.json`` says it is (or built-in knowledge of its hub id)."""

    architectures: tuple[str, ...]  # config.json ``architectures``
    model_type: str | None  # config.json ``model_type``
    remote_code: bool  # config.json ``auto_map``: the model ships its own modelling code
    source: str  # "config.json in models/qwen" / "built-in knowledge of Qwen/Qwen3-8B (...)"


@dataclass(frozen=True)
class ArchSupport:
    """Whether an engine release can load a model's architecture."""

    supported: bool | None  # False: the release cannot load it; None: not known
    what: str  # "architecture Qwen3ForCausalLM", "model type qwen3"
    first: str | None  # the first release that knows it (None: none known after this one)
    removed: str | None = None  # the release that dropped it, when an earlier one knew it
    source: str = ""  # the data read (release, file)
    note: str = ""  # how the engine would still run it, or why it cannot


@dataclass(frozen=True)
class OutputBudget:
    """The most tokens a request (or an offline call) that sets no limit gets."""

    max_tokens: int | None  # None: no small cap (the rest of the context window)
    setting: str  # the field or default that decides it ("max_tokens", "SamplingParams(...)")
    source: str
    unless: str = ""  # a condition not checked that would lift the cap, said in the finding
    fix: str = ""  # how to set it, in the engine's terms


@dataclass(frozen=True)
class SpecialTokens:
    """Whether a text prompt is tokenized with the tokenizer's special tokens (a BOS token the
    tokenizer adds in front) on this route or call."""

    added: bool | None
    source: str
    off: str = ""  # how a request turns it off ('"add_special_tokens": false')


@dataclass(frozen=True)
class ToolCalling:
    """What a launch returns when a request sends ``tools`` (issue 13, DPL801).

    ``auto`` / ``forced``: why a request with ``tool_choice`` "auto" (the default when tools are
    sent) / "required" or a named function gets no ``tool_calls`` back, in the engine's terms
    (None: tool calls come back, or nothing is known against it). ``mismatch``: the configured
    parser does not read the format the model family writes its calls in.
    """

    parser: str | None  # the tool-call parser in effect, as the engine names it (None: none)
    source: str  # where that comes from ("--tool-call-parser hermes", "not given")
    auto: Problem | None = None
    forced: Problem | None = None
    mismatch: Problem | None = None
    configured: bool = False  # the launch is set up for tool calls (a parser is named ...)


@dataclass(frozen=True)
class Reasoning:
    """Whether a launch returns a reasoning model's thoughts apart from its answer (DPL802).

    ``separated`` False: thoughts come back inside ``content``; None: not known. ``problem``: a
    parser is configured but does not take effect, or does not fit the template (in the engine's
    terms). ``suggest``: the parser the engine documents for the model's family.
    """

    parser: str | None
    source: str
    separated: bool | None
    problem: Problem | None = None
    suggest: str | None = None
    suggest_source: str = ""
    option: str = ""  # the setting a fix changes ("--reasoning-parser")


@dataclass(frozen=True)
class TemplateKwargs:
    """How a launch lets requests (and its own defaults) set chat-template variables such as
    ``enable_thinking`` (DPL804)."""

    defaults: Mapping[str, Setting]  # server-side defaults (vLLM --default-chat-template-kwargs)
    request_field: str | None  # the request field read as template kwargs (None: no such field)
    thinking_field: str | None  # a request field that switches thinking itself (Ollama `think`)
    source: str
    ignored: Mapping[str, str] = field(default_factory=dict)  # request field -> what happens


# -- answers of the security and context questions (DPL601, DPL602, DPL502, DPL503, DPL205) ------


@dataclass(frozen=True)
class Auth:
    """What a server asks of a request before it answers (its API keys), and what they cover."""

    supported: bool  # the engine at this version can require a key at all
    keys: tuple[str, ...]  # the keys configured, as written (empty: none)
    source: str  # where the keys come from, or why there are none
    loc: Loc | None = None  # where the key was set
    unresolved: bool = False  # a key comes from something the scan cannot see (assume it is set)
    unprotected: str = ""  # generating routes a key does not cover at this version, and the source
    setting: str = ""  # how a key is required in this engine ("`--api-key` or VLLM_API_KEY")
    basis: str = ""  # the public source of what the engine does without a key


@dataclass(frozen=True)
class ContextLength:
    """The context window a launch is configured with, and what can change its meaning."""

    value: int | str | None  # tokens; a text for a rule the engine applies (a VRAM tier); None:
    #                           derived from the model's own config
    source: str
    loc: Loc | None
    setting: str  # the option or parameter as the engine spells it ("--max-model-len", "num_ctx")
    default: bool = False  # the engine's default (nothing configured)
    rope_scaling: Mapping[str, Any] | None = None  # a RoPE scaling given to the engine
    rope_source: str = ""
    rope_loc: Loc | None = None
    guard_bypass: Setting | None = None  # a switch that lets the length exceed the positions
    above_positions: str = ""  # what the engine does with a length above the model's positions
    refuses_above: bool = False  # ... it refuses to start (unless the guard is bypassed)
    slots: Setting | None = None  # parallel sequences that share the window (llama.cpp -np)
    ignored: tuple[tuple[str, Loc, str], ...] = ()  # context settings written that the engine
    #                                                  never reads: (name, where, why)
    version_note: str = ""  # which release's default is assumed
    when_full: str = ""  # what the engine does with a request that does not fit ("": refuses it
    #                      with an error the client sees)


class Linked(Protocol):
    """What an engine may ask of the linked scan (implemented by ``link.Project``)."""

    def local_path(self, launch: Launch, ref: str) -> Path | None: ...

    def read_linked_text(self, launch: Launch, ref: str) -> tuple[str | None, Path | None]: ...

    def model_dir(self, path: Path) -> ModelDir | None: ...

    def training_at(self, path: Path) -> Any: ...  # the TrainingRun read from ``path``, or None


#: The topics an engine words fixes for (``Engine.fix``); each engine answers each one.
FIX_TOPICS = (
    "missing-chat-template",
    "adapter-as-model",
    "load-adapter",
    "low-temperature",
    "stop-token",
    "system-prompt",
    "chat-template-file",
)


class Engine(ABC):
    """One serving engine (or inference library): its command lines and its behaviour."""

    #: the engine's key ("vllm") and how messages name it ("vLLM")
    name: str = ""
    display: str = ""
    #: PyPI distributions whose pins say which release is in use
    packages: tuple[str, ...] = ()
    #: how launches of it are written (the ``Launch.form`` values it produces)
    forms: tuple[str, ...] = ()

    # -- command lines ---------------------------------------------------------------------
    @abstractmethod
    def recognize(self, words: list[Token]) -> tuple[str, int] | None:
        """(form, index of the first argument) when ``words`` start this engine."""

    @abstractmethod
    def option_table(self, version: str | None, form: str | None = None) -> OptionTable:
        """The options of ``form`` (its argument parser's grouping rules included)."""

    @abstractmethod
    def options_from_env(
        self, args: ParsedArgs, env: Mapping[str, Any], table: OptionTable, ctx: Any
    ) -> None:
        """Add the options the engine reads from environment variables (in place)."""

    @abstractmethod
    def image_entrypoint(self, version: str | None) -> Entrypoint | NotApplicable:
        """What the engine's official image runs before a container's command."""

    @abstractmethod
    def apply_config_file(self, linked: Linked, launch: Launch) -> Path | None | NotApplicable:
        """Merge the options of a config file the launch names (vLLM `--config`, a
        LLaMA-Factory YAML) under its command line; the file read, or None."""

    # -- what a launch serves ----------------------------------------------------------------
    @abstractmethod
    def serves(self, launch: Launch) -> bool:
        """Whether the launch answers requests (a server or an in-process engine), as opposed
        to training, exporting or evaluating."""

    @abstractmethod
    def model_arg(self, launch: Launch) -> ModelArg | NotApplicable:
        """The model the launch serves, as the engine reads its arguments."""

    @abstractmethod
    def tokenizer_arg(self, launch: Launch) -> Token | None | NotApplicable:
        """A tokenizer given apart from the model (None: not given)."""

    @abstractmethod
    def served_names(self, launch: Launch) -> list[tuple[str, Loc | None]]:
        """The `model` values a request may use to reach the launch's base model."""

    @abstractmethod
    def adapters(self, launch: Launch) -> list[Adapter] | NotApplicable:
        """The adapters the launch loads at startup, parsed as the engine parses them."""

    @abstractmethod
    def adapter_loading(self, launch: Launch) -> AdapterLoading | NotApplicable:
        """How the engine treats the launch's adapters (enabled, types, rank limits)."""

    # -- the network -------------------------------------------------------------------------
    @abstractmethod
    def listen(self, launch: Launch) -> Listen | NotApplicable:
        """Where the launch listens (NotApplicable for in-process engines)."""

    @abstractmethod
    def chat_route(self, launch: Launch) -> str | None:
        """The chat route the launch exposes (None: it has none)."""

    # -- what a request gets -----------------------------------------------------------------
    @abstractmethod
    def sampling_defaults(
        self, linked: Linked, launch: Launch, model: ModelRef | None
    ) -> dict[str, Setting] | NotApplicable:
        """Server-side sampling defaults a request that does not set a field gets."""

    @abstractmethod
    def stop_set(self, linked: Linked, launch: Launch, md: ModelDir) -> StopSet | NotApplicable:
        """The tokens generation stops on by default with the model directory ``md``."""

    @abstractmethod
    def prompting(self, linked: Linked, launch: Launch) -> Prompting:
        """How the engine turns a conversation into a prompt (template resolution)."""

    @abstractmethod
    def remote_code(self, launch: Launch) -> RemoteCode | NotApplicable:
        """Whether the launch runs code shipped with the model."""

    # -- security and context (issue 12: DPL601, DPL602, DPL502, DPL503, DPL205) -------------
    @abstractmethod
    def bind_address(self, launch: Launch) -> Setting | NotApplicable:
        """The address the server binds (value: the host text), with where it was set (loc None:
        the engine's default)."""

    @abstractmethod
    def auth(self, launch: Launch) -> Auth | NotApplicable:
        """The API keys a server requires (or that it has no way to require one)."""

    @abstractmethod
    def dtype(self, launch: Launch) -> Setting | NotApplicable:
        """The dtype weights are computed in, as configured (value normalised: "float16",
        "bfloat16", "float32", "auto", else the text as written)."""

    @abstractmethod
    def refuses_float16(self, launch: Launch) -> Mapping[str, tuple[str, str]] | NotApplicable:
        """model_type -> (the engine's message, source) for the architectures the engine refuses
        to run in float16 at this version."""

    @abstractmethod
    def context_length(self, launch: Launch) -> ContextLength | NotApplicable:
        """The context window the launch runs with, the RoPE scaling it is told to apply, and the
        context settings it ignores."""

    # -- multimodal (issue 12: DPL701, DPL702) -----------------------------------------------
    @abstractmethod
    def image_limits(self, launch: Launch) -> ImageLimits | NotApplicable:
        """What the launch does to images (engines/multimodal.py): the pixel bounds it gives
        the model's image processor, the images one prompt may carry, the context length."""

    @abstractmethod
    def training_image_limits(self, run: TrainingRun) -> ImageLimits | NotApplicable:
        """The pixel bounds a fine-tuning run of this tool resizes its images to."""

    # -- tool calls and reasoning (issue 13: DPL801-DPL804) ----------------------------------
    @abstractmethod
    def tool_calling(self, launch: Launch, family: str | None) -> ToolCalling | NotApplicable:
        """What a request that sends ``tools`` gets from the launch; ``family`` is the served
        model's family key (knowledge/models.yaml), when known."""

    @abstractmethod
    def reasoning(
        self, launch: Launch, family: str | None, prompt_think: str | None
    ) -> Reasoning | NotApplicable:
        """Whether the launch separates a reasoning model's thoughts from its answer. ``family``:
        the served model's family key, when known; ``prompt_think``: how the template's
        generation prompt ends by default — "open" (inside an opened ``<think>``), "closed" (an
        empty, closed think block: thinking off unless a request turns it on), None (no think
        block, or not known)."""

    @abstractmethod
    def chat_template_kwargs(self, launch: Launch) -> TemplateKwargs | NotApplicable:
        """How requests and server defaults set chat-template variables (``enable_thinking``)."""

    # -- releases and settings (DPL504, DPL505) and offline generation (DPL206, DPL104) ------
    @abstractmethod
    def architecture_support(self, launch: Launch, arch: ModelArch) -> ArchSupport | NotApplicable:
        """Whether the launch's release can load a model of architecture ``arch``."""

    @abstractmethod
    def settings_not_read(self, launch: Launch) -> list[Problem] | NotApplicable:
        """Options and environment variables of the launch that its release does not read
        (removed, not yet added), each a Problem (kind "option-not-read" / "env-not-read")."""

    @abstractmethod
    def output_budget(
        self, linked: Linked, launch: Launch, call: ClientCall
    ) -> OutputBudget | NotApplicable:
        """The output-token cap ``call`` gets when it sets none (route, offline call)."""

    @abstractmethod
    def prompt_special_tokens(
        self, launch: Launch, call: ClientCall
    ) -> SpecialTokens | NotApplicable:
        """Whether the text prompt of ``call`` is tokenized with special tokens added."""

    # -- wording -----------------------------------------------------------------------------
    @abstractmethod
    def fix(self, topic: str, **kw: Any) -> str:
        """How to fix ``topic`` (one of FIX_TOPICS) in this engine's own terms."""

    # -- helpers shared by engines -----------------------------------------------------------
    def version_of(self, launch: Launch) -> str | None:
        return launch.version.version if launch.version is not None else None

    def generic_fix(self, topic: str, **kw: Any) -> str:
        """Engine-neutral wording, for engines whose own wording adds nothing."""
        adapter = kw.get("adapter", "<adapter>")
        base = kw.get("base", "its base model")
        token = kw.get("token", "<end-of-turn>")
        tid = kw.get("id")
        texts = {
            "missing-chat-template": "add the model's chat template",
            "adapter-as-model": "merge the adapter into its base model and serve the merged "
            "directory",
            "load-adapter": f"load the adapter `{adapter}` on `{base}` in the serving engine, or "
            "merge it (e.g. llamafactory-cli export) and serve the merged directory",
            "low-temperature": "sample base models at temperature ≥ 0.7, or serve the "
            "instruction-tuned checkpoint",
            "stop-token": f"add the id of {token!r}"
            + (f" ({tid})" if tid is not None else "")
            + f" to generation_config.json eos_token_id, or set the tokenizer's eos_token to "
            f"{token!r}",
            "system-prompt": "send an explicit system message in every request",
            "chat-template-file": "serve with the training template",
        }
        return texts[topic]


def na(reason: str) -> NotApplicable:
    return NotApplicable(reason)


__all__ = [
    "FIX_TOPICS",
    "Adapter",
    "AdapterLoading",
    "ArchSupport",
    "Auth",
    "ContextLength",
    "Engine",
    "Entrypoint",
    "Linked",
    "ModelArch",
    "ModelArg",
    "NotApplicable",
    "OutputBudget",
    "Problem",
    "RankLimit",
    "RemoteCode",
    "Setting",
    "SpecialTokens",
    "StopSet",
    "TemplateKwargs",
    "ToolCalling",
    "Reasoning",
    "na",
]
