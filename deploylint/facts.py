"""Facts: what the sources found, each with its source location. Sources produce them; the linker
connects them; rules read them. Rules never parse files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engines.cli import ParsedArgs, Token
from .launch_details import A, EngineArgs, Origin
from .location import Loc
from .shell import EnvValue


@dataclass
class EngineVersion:
    engine: str
    version: str | None  # the release whose behaviour is assumed
    pinned: bool  # an exact pin or tag (not a range, not a default)
    source: str  # human-readable provenance
    loc: Loc | None = None
    spec: str | None = None  # the specifier as written (">=0.6,<0.8", "latest" ...)

    def __post_init__(self) -> None:
        # A version read from a scanned file that no release has (`1.1.1.…` twenty thousand
        # times, a 5000-digit number) is unknown: no version comparison sees it.
        if self.version is not None and len(self.version) > 128:
            self.version = None
            self.pinned = False

    def describe(self) -> str:
        if self.version is None:
            return f"{self.engine} (version unknown; {self.source})"
        return f"{self.engine} {self.version} ({self.source})"


@dataclass
class Volume:
    source: str  # host path or volume name as written
    target: str  # path inside the container
    loc: Loc
    host_dir: Path | None = None  # resolved host directory when the source is a bind mount


@dataclass
class Published:
    """A container port made reachable from outside its container: a compose `ports:` entry, a
    `docker run -p`, host networking, a Kubernetes `hostPort`."""

    container_port: str  # "8000", a range "8000-8010", or "*" (host networking: every port)
    host_ip: str | None  # the host address it is bound to (None: every interface)
    host_port: str | None
    loc: Loc
    how: str  # "compose ports", "docker run -p", "network_mode: host" ...


@dataclass
class Launch:
    """One invocation of a serving engine (or a framework entry point) found in a file."""

    engine: str  # "vllm", "lmdeploy", ...
    form: (
        str  # how it is started: "vllm serve", "python -m vllm.entrypoints.openai.api_server", ...
    )
    loc: Loc  # the command (first word)
    tokens: list[Token]  # every word of the command line, program included
    args: ParsedArgs
    context: str  # "shell script", "Dockerfile CMD", "compose service 'vllm'" ...
    base_dir: Path  # relative paths in the command resolve against it
    env: dict[str, EnvValue] = field(default_factory=dict)
    image: str | None = None
    image_loc: Loc | None = None
    service: str | None = None  # compose service / Kubernetes workload name
    volumes: list[Volume] = field(default_factory=list)
    ports: list[tuple[str | None, str]] = field(default_factory=list)  # (published, container)
    notes: list[str] = field(default_factory=list)  # parse notes shown in evidence
    version_hints: list[EngineVersion] = field(default_factory=list)  # image tag, RUN pip install
    published: list[Published] = field(default_factory=list)  # ports reachable from outside
    # What the launch carries besides its words (launch_details.py):
    origin: Origin = field(default_factory=Origin)  # the orchestration around the command
    # the model when given other than by an option: SGLang's positional, KServe's storageUri or
    # --model_id, a Modelfile's FROM
    model_token: Token | None = None
    # names it is served under that its command line does not give: KServe `spec.model.name`,
    # `ollama create NAME` for the Modelfile it reads
    served_names: list[tuple[str, Loc]] = field(default_factory=list)
    engine_args: EngineArgs | None = None  # OllamaArgs, LlamaFactoryArgs, PythonArgs, VllmArgs
    # Filled by the linker:
    version: EngineVersion | None = None
    model: ModelRef | None = None
    tokenizer: ModelRef | None = None
    config_file: Path | None = None

    @property
    def path(self) -> Path:
        return self.loc.path

    def label(self) -> str:
        return f"{self.form} in {self.context}"

    def args_of(self, kind: type[A]) -> A | None:
        """The launch's record of arguments of ``kind`` (``launch.args_of(OllamaArgs)``), or None
        when it has none of that kind."""
        args = self.engine_args
        return args if isinstance(args, kind) else None


@dataclass
class ChatUI:
    """A chat front end wired to an OpenAI-compatible server (Open WebUI ...)."""

    kind: str
    loc: Loc
    base_urls: list[tuple[str, Loc]]
    context: str
    service: str | None = None


@dataclass
class Pin:
    """A version requirement for a package, from requirements/pyproject/Dockerfile RUN."""

    package: str  # normalised name
    spec: str  # "==0.6.0", ">=0.6,<0.8", "" (unpinned)
    loc: Loc
    source_kind: str  # "requirements", "pyproject", "constraints", "dockerfile", "shell"


@dataclass
class Diagnostic:
    """A problem reading a file (DPL000)."""

    loc: Loc
    message: str
    anchor: str = ""
    severity: str | None = None  # DPL000's own (error) unless said: "info" for a file not analysed


@dataclass
class ModelDir:
    """A Hugging Face model (or adapter) directory. JSON files are parsed once, lazily."""

    path: Path
    names: set[str]  # file names present (by name only)
    docs: dict[str, Any] = field(default_factory=dict)  # file name -> JsonDoc (parsed)
    errors: dict[str, Diagnostic] = field(default_factory=dict)
    chat_template_jinja: str | None = None

    def doc(self, name: str):  # -> JsonDoc | None
        return self.docs.get(name)

    def json(self, name: str) -> dict[str, Any]:
        d = self.docs.get(name)
        return d.data if d is not None and isinstance(d.data, dict) else {}

    @property
    def is_adapter(self) -> bool:
        return "adapter_config.json" in self.names

    @property
    def has_full_weights(self) -> bool:
        return any(_is_full_weight(n) for n in self.names)

    @property
    def has_config(self) -> bool:
        return "config.json" in self.names

    @property
    def tokenizer_files(self) -> set[str]:
        from .discover import TOKENIZER_ASSETS

        return {n for n in self.names if n in TOKENIZER_ASSETS}

    @property
    def has_tokenizer(self) -> bool:
        """Files a tokenizer can be loaded from (tokenizer_config.json alone is not enough)."""
        t = self.tokenizer_files
        return bool(
            {"tokenizer.json", "tokenizer.model", "spiece.model", "sentencepiece.bpe.model"} & t
            or {"vocab.json", "merges.txt"} <= t
            or "vocab.txt" in t
            or any(n.endswith(".tiktoken") for n in t)
        )


def _is_full_weight(name: str) -> bool:
    n = name.lower()
    if n.startswith("adapter_model"):
        return False
    if n.endswith(".safetensors") or n.endswith(".gguf"):
        return True
    if n.endswith(".safetensors.index.json") or n == "pytorch_model.bin.index.json":
        return True
    return n.startswith(("pytorch_model", "model-", "model.", "consolidated")) and n.endswith(
        (".bin", ".pt", ".pth", ".safetensors")
    )


@dataclass
class ModelRef:
    """What a model reference in a launch resolves to."""

    ref: str  # as written (after variable expansion)
    token: Token | None
    directory: ModelDir | None = None
    how: str = ""  # "local directory ./models/x (compose volume ./models:/models)"
    info: Any = None  # knowledge.models.ModelInfo for the model (hub id or derived from the dir)
    resolved: bool = True  # False when the reference has unresolved variables
    is_default: bool = False  # the engine's default model (nothing given)


# -- client code, offline engines, training (issue: engines, clients and fine-tuning) -----------


@dataclass
class Value:
    """A value read from code or config, with where it was written (and how it was resolved)."""

    value: Any  # str | int | float | bool | None | list | dict (plain data)
    loc: Loc
    resolved: bool = True  # False when it depends on something we cannot see (a function call...)
    origin: str | None = None  # "constant SYSTEM_PROMPT at app.py:4", "os.environ default" ...
    # an unresolved string assigned differently on different paths: each path's text
    alternatives: list[str] | None = None

    @property
    def text(self) -> str | None:
        return self.value if isinstance(self.value, str) else None


@dataclass
class Messages:
    """What a chat request's `messages` look like, as far as the code shows."""

    loc: Loc
    roles: list[str]  # roles in order, as far as known ("?" for an unknown element)
    has_system: bool | None  # None: cannot tell (built dynamically, unknown first element)
    system_text: str | None = None
    complete: bool = True  # False when elements were added dynamically we could not follow


@dataclass
class ClientCall:
    """A request to a model from client code, a request payload file or an offline engine call.

    kind:
      "chat"        OpenAI-style chat completion (client.chat.completions.create, POST
                    /v1/chat/completions, ollama.chat, llm.chat, tokenizer.apply_chat_template…)
      "completion"  raw-text completion (client.completions.create, POST /v1/completions,
                    ollama.generate, llm.generate(<str>), model.generate without a template)
    api: where it goes: "openai", "http", "ollama", "vllm-offline", "transformers", "lmdeploy",
         "payload-file"
    """

    kind: str
    api: str
    loc: Loc
    model: Value | None = None  # `model=` of the request (a served name, or a path for offline)
    base_url: Value | None = None  # the server it targets, when the code shows it
    messages: Messages | None = None
    sampling: dict[str, Value] = field(default_factory=dict)  # temperature, top_p, max_tokens…
    engine_var: str | None = None  # for offline calls: the variable holding the engine/model
    extra: dict[str, Any] = field(default_factory=dict)  # extra_body, use_cache, lora_request…
    context: str = "client code"
    # Filled by the linker:
    launch: Launch | None = None
    link: str = ""  # how it was linked ("base_url http://vllm:8000/v1 → compose service 'vllm'")


@dataclass
class PeftOp:
    """PEFT / transformers model handling in a script (training, merging, inference)."""

    op: str  # "load-base" | "load-adapter" | "get-peft-model" | "merge" | "save" | "generate"
    loc: Loc
    var: str | None = None  # the variable the result is bound to (or the receiver for save)
    model: Value | None = None  # a model id/path (from_pretrained's first argument)
    adapter: Value | None = None  # PeftModel.from_pretrained's adapter path
    config: dict[str, Value] = field(default_factory=dict)  # LoraConfig/PromptTuningConfig kwargs
    peft_type: str | None = None  # "LORA", "PROMPT_TUNING", … from the config class
    target: Value | None = None  # save_pretrained's path
    what: str | None = None  # for save: "model" | "tokenizer" | "adapter" | "processor"
    source_var: str | None = None  # for merge/get_peft_model/load-adapter: the input variable
    extra: dict[str, Any] = field(default_factory=dict)  # generate kwargs (use_cache…), dtype…


@dataclass
class TrainingRun:
    """A LLaMA-Factory YAML (train / export / inference) or an equivalent fine-tuning config."""

    tool: str  # "llamafactory"
    role: str  # "train" | "export" | "infer" | "predict"
    loc: Loc  # the file (line 1)
    keys: dict[str, Value] = field(default_factory=dict)  # every top-level key as written
    version: EngineVersion | None = None  # LLaMA-Factory version (pins), filled by the linker

    def get(self, key: str) -> Any:
        v = self.keys.get(key)
        return v.value if v is not None else None


# -- fine-tuning in Python (TRL / transformers / Unsloth scripts and notebooks) -------------------


@dataclass
class LearnedFormat:
    """The prompt format a fine-tune was trained on, as the training code builds its examples.

    kind:
      "text"           a hand-written format: ``text`` is one training example with ``{field}``
                       for what comes from the data (``{instruction}``, ``{output}`` ...) and
                       ``{?expression}`` for parts the code does not show;
      "chat-template"  the examples go through ``apply_chat_template`` of a tokenizer: the
                       tokenizer's own template (loaded from ``tokenizer``), or the named one a
                       library puts in its place (``template_name``, e.g. Unsloth's "chatml").
    """

    kind: str
    loc: Loc  # where the format is written (the f-string, the apply_chat_template call)
    how: str  # how the examples reach the trainer ("formatting_func=fmt", "dataset.map(tok)")
    text: str | None = None
    segments: list[list[str]] = field(default_factory=list)  # [kind, text]: lit/field/eos/...
    user: str | None = None  # the field holding the user's message
    answer: str | None = None  # the field holding the answer (the model's turn)
    system: str | None = None  # the field holding a system message, when the format has one
    # the format on the other paths of the formatting function (if/else), when they differ
    alternatives: list[LearnedFormat] = field(default_factory=list)
    tokenizer: Value | None = None  # where the tokenizer applying the template was loaded from
    template_name: str | None = None
    template_source: str | None = None  # who defines ``template_name`` (library, version)
    template_kwargs: dict[str, Value] = field(default_factory=dict)  # enable_thinking ...
    calls: list[Loc] = field(default_factory=list)  # apply_chat_template calls on training data


@dataclass
class RunOutput:
    """Where a Python fine-tune writes a result."""

    kind: str  # "checkpoints" (output_dir) | "adapter" | "model" | "merged" | "gguf"
    path: Value
    loc: Loc  # the call or keyword that writes it
    tokenizer_saved: bool | None = None  # a tokenizer is saved to the same place (None: unknown)


@dataclass
class SftRun:
    """A fine-tuning run in Python: a TRL / transformers ``Trainer`` (or Unsloth's) in a script or
    a notebook, what it trains on (``base``), in which format, and where results are written."""

    trainer: str  # "SFTTrainer", "Trainer" ...
    loc: Loc  # the trainer call
    base: Value | None = None  # the model trained (a hub id or a path)
    adapter: bool | None = None  # True: a PEFT adapter is trained (LoRA ...); False: all weights
    format: LearnedFormat | None = None
    format_note: str | None = None  # why the format is not known, when it is not
    outputs: list[RunOutput] = field(default_factory=list)
    model_var: str | None = None  # the variable holding the trained model
    trainer_var: str | None = None
