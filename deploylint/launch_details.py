"""What a launch carries besides its command line, as typed records.

A ``Launch`` (facts.py) is the words of a command and the options parsed from them. Sources and
engines know more than the words say, and record it here:

- ``Origin``: where the launch is written, as the orchestration around the command tells it
  (Kubernetes labels and port names, where each environment variable is set, files a Helm chart
  mounts, the chart or KServe backend that builds the command ...). Every launch has one.
- one record of arguments per kind of engine start, given other than as options of the command
  line: ``OllamaArgs`` (a Modelfile, ``ollama create``), ``LlamaFactoryArgs`` (the YAML config),
  ``PythonArgs`` (an engine object made in Python code), ``VllmArgs`` (what a vLLM Helm chart
  does to the words it is given). A launch has at most one (``Launch.engine_args``); read it with
  ``launch.args_of(OllamaArgs)``, which is None for a launch without that record.

The model reference and served names that several engines take from outside their command line
(KServe's ``storageUri``, a Modelfile's FROM, SGLang's positional model, ``ollama create NAME``)
are ``Launch.model_token`` and ``Launch.served_names``.

Records written once by a source are frozen; the two that the linker completes later
(``LlamaFactoryArgs.training``, ``PythonArgs.var``) are not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias, TypeVar

if TYPE_CHECKING:
    from .engines.cli import Token
    from .facts import Launch, TrainingRun, Value
    from .location import Loc


@dataclass(frozen=True)
class InlineFile:
    """A file whose text a chart's values give, mounted where the command reads it (the
    production-stack chart's ``chatTemplateConfigMap``)."""

    text: str
    loc: Loc  # where the text is written


@dataclass(frozen=True)
class Origin:
    """Where a launch is written, as the file around its command line says (sources/)."""

    # where each environment variable of the container is set (compose `environment:`,
    # Kubernetes `env:`), for findings about a variable
    env_var_locs: dict[str, Loc] = field(default_factory=dict)
    # the labels of the pods a Kubernetes workload makes (what a Service's selector matches)
    k8s_labels: dict[str, str] = field(default_factory=dict)
    # a Kubernetes container's port names: name -> containerPort (a Service's named targetPort)
    k8s_port_names: dict[str, str] = field(default_factory=dict)
    # files the command reads whose text the chart's values hold: path in the container -> file
    inline_files: dict[str, InlineFile] = field(default_factory=dict)
    chart: str | None = None  # the chart that builds the command: "production-stack" ...
    kserve_backend: str | None = None  # KServe huggingfaceserver `--backend` ("auto": not given)
    compose_key: Loc | None = None  # the compose service's key
    written_to: str | None = None  # a Modelfile a script writes (here-document): the path written


@dataclass(frozen=True)
class ModelfileSummary:
    """An Ollama Modelfile's instructions as Ollama uses them (sources/modelfile.py), each value
    with its location. An instruction given twice: the last one wins, except those that add up
    (FROM in ``froms``, ADAPTER, LICENSE, MESSAGE, PARAMETER)."""

    from_: Value | None = None  # the last FROM
    froms: list[Value] = field(default_factory=list)
    template: Value | None = None
    system: Value | None = None
    adapters: list[Value] = field(default_factory=list)
    parameters: dict[str, list[Value]] = field(default_factory=dict)  # name -> each value given
    stops: list[Value] = field(default_factory=list)  # PARAMETER stop, in order
    messages: list[Value] = field(default_factory=list)  # value: {"role": ..., "content": ...}
    license: list[Value] = field(default_factory=list)
    requires: Value | None = None
    renderer: Value | None = None
    parser: Value | None = None
    draft: Value | None = None
    unknown_parameters: list[Value] = field(default_factory=list)  # PARAMETER names Ollama lacks


@dataclass(frozen=True)
class OllamaArgs:
    """Ollama: a Modelfile (form "Modelfile"), `ollama create NAME -f FILE`, and the server's
    environment."""

    modelfile: ModelfileSummary | None = None
    modelfile_path: Token | None = None  # `ollama create -f FILE`
    model_name: Token | None = None  # `ollama create NAME`
    # OLLAMA_* context-window variables Ollama never reads (OLLAMA_NUM_CTX ...), where each is set
    unread_env: tuple[tuple[str, Loc], ...] = ()


@dataclass
class LlamaFactoryArgs:
    """LLaMA-Factory: `llamafactory-cli CMD config.yaml` reads its arguments from the YAML."""

    config_path: Token | None = None  # the config file as written on the command line
    # the config read: by the linker (engine apply_config_file), or the config a launch the
    # linker synthesises runs (link/run_launch.py)
    training: TrainingRun | None = None


@dataclass
class PythonArgs:
    """An engine object made in Python code (`vllm.LLM(...)`, `lmdeploy.pipeline(...)`), whose
    keyword arguments also stand as command-line words in the launch's tokens."""

    kwargs: dict[str, Value] = field(default_factory=dict)  # every keyword argument as written
    # the variable holding the engine object ("llm", "llm@10" for a second `llm` in the file,
    # "<vllm.LLM@17>" for one not bound to a name): calls on it link to the launch
    var: str | None = None
    # lmdeploy's chat_template_config: ChatTemplateConfig(...)'s keyword arguments, or the
    # value when it is not such a call
    chat_template_config: dict[str, Value] | Value | None = None


@dataclass(frozen=True)
class VllmArgs:
    """vLLM started by a chart that rewrites the words it is given."""

    # why the --chat-template file cannot be opened, whatever the repository holds (the
    # production-stack chart prefixes the mount point to a full path)
    chat_template_unopenable: str | None = None


EngineArgs: TypeAlias = OllamaArgs | LlamaFactoryArgs | PythonArgs | VllmArgs

#: one of the records of ``EngineArgs`` (``Launch.args_of``)
A = TypeVar("A", OllamaArgs, LlamaFactoryArgs, PythonArgs, VllmArgs)


def training_of(launch: Launch) -> TrainingRun | None:
    """The LLaMA-Factory config a launch runs, once the linker has read it."""
    lf = launch.args_of(LlamaFactoryArgs)
    return lf.training if lf is not None else None
