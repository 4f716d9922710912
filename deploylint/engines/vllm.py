"""vLLM: command-line forms, options and behaviour by version.

Facts are from ../shared/research/domain.md §1 unless a source says otherwise; each carries its
source. The option table comes from the per-release snapshot in ``data/vllm_cli.json``
(``vllm_data``) when present, else from the hand-written table below.
"""

from __future__ import annotations

from functools import lru_cache

from . import Fact, fact_at
from .cli import OptionTable, OptSpec, Token, program, python_module

ENGINE = "vllm"

SERVE_FORM = "vllm serve"
MODULE_FORM = "python -m vllm.entrypoints.openai.api_server"
LEGACY_FORM = "python -m vllm.entrypoints.api_server"


def recognize(words: list[Token]) -> tuple[str, int] | None:
    """(form, index of the first argument) if ``words`` start a vLLM server."""
    if not words:
        return None
    if program(words) == "vllm":
        if len(words) > 1 and words[1].text == "serve":
            return SERVE_FORM, 2
        return None
    hit = python_module(words)
    if hit is not None:
        mod, i = hit
        if mod == "vllm.entrypoints.openai.api_server":
            return MODULE_FORM, i
        if mod == "vllm.entrypoints.api_server":
            return LEGACY_FORM, i
        if mod in ("vllm", "vllm.entrypoints.cli.main") and i < len(words):
            if words[i].text == "serve":
                return SERVE_FORM, i + 1
    return None


# Hand-written fallback: the options rules read, and the boolean flags that change how a
# command line groups (a flag followed by a positional model).
_FALLBACK: list[OptSpec] = [
    OptSpec("--model"),
    OptSpec("--tokenizer"),
    OptSpec("--tokenizer-mode"),
    OptSpec("--revision"),
    OptSpec("--tokenizer-revision"),
    OptSpec("--chat-template"),
    OptSpec("--chat-template-content-format"),
    OptSpec("--default-chat-template-kwargs"),
    OptSpec("--response-role"),
    OptSpec("--served-model-name", "multi"),
    OptSpec("--lora-modules", "multi"),
    OptSpec("--max-lora-rank"),
    OptSpec("--max-loras"),
    OptSpec("--max-cpu-loras"),
    OptSpec("--lora-dtype"),
    OptSpec("--generation-config"),
    OptSpec("--override-generation-config"),
    OptSpec("--dtype"),
    OptSpec("--quantization", aliases=("-q",)),
    OptSpec("--max-model-len"),
    OptSpec("--api-key", "multi"),
    OptSpec("--host"),
    OptSpec("--port"),
    OptSpec("--config"),
    OptSpec("--limit-mm-per-prompt"),
    OptSpec("--mm-processor-kwargs"),
    OptSpec("--tensor-parallel-size", aliases=("-tp",)),
    OptSpec("--pipeline-parallel-size", aliases=("-pp",)),
    OptSpec("--data-parallel-size", aliases=("-dp",)),
    OptSpec("--gpu-memory-utilization"),
    OptSpec("--max-num-seqs"),
    OptSpec("--max-num-batched-tokens"),
    OptSpec("--download-dir"),
    OptSpec("--load-format"),
    OptSpec("--kv-cache-dtype"),
    OptSpec("--hf-overrides"),
    OptSpec("--tool-call-parser"),
    OptSpec("--reasoning-parser"),
    OptSpec("--prompt-adapters", "multi"),
    OptSpec("--task"),
    OptSpec("--seed"),
    OptSpec("--swap-space"),
    OptSpec("--block-size"),
    OptSpec("--uvicorn-log-level"),
    OptSpec("--root-path"),
    OptSpec("--distributed-executor-backend"),
    OptSpec("--speculative-config"),
    OptSpec("--compilation-config", aliases=("-O",)),
    OptSpec("--api-server-count", aliases=("-asc",)),
    OptSpec("--enable-lora", "flag", negatable=True),
    OptSpec("--trust-remote-code", "flag", negatable=True),
    OptSpec("--enable-prefix-caching", "flag", negatable=True),
    OptSpec("--enforce-eager", "flag", negatable=True),
    OptSpec("--disable-log-requests", "flag"),
    OptSpec("--enable-log-requests", "flag"),
    OptSpec("--disable-log-stats", "flag"),
    OptSpec("--enable-auto-tool-choice", "flag"),
    OptSpec("--enable-prompt-adapter", "flag"),
    OptSpec("--enable-chunked-prefill", "flag", negatable=True),
    OptSpec("--disable-custom-all-reduce", "flag"),
    OptSpec("--enable-reasoning", "flag"),
    OptSpec("--disable-frontend-multiprocessing", "flag"),
    OptSpec("--enable-request-id-headers", "flag"),
    OptSpec("--disable-fastapi-docs", "flag"),
    OptSpec("--skip-tokenizer-init", "flag"),
    OptSpec("--trust-request-chat-template", "flag"),
    OptSpec("--headless", "flag"),
    OptSpec("--disable-uvicorn-access-log", "flag"),
    OptSpec("--enable-sleep-mode", "flag"),
    OptSpec("--fully-sharded-loras", "flag"),
    OptSpec("--enable-expert-parallel", "flag"),
    OptSpec("--async-scheduling", "flag"),
    OptSpec("--enable-prompt-tokens-details", "flag"),
    OptSpec("--return-tokens-as-token-ids", "flag"),
    OptSpec("--disable-sliding-window", "flag"),
    OptSpec("--worker-use-ray", "flag"),
    OptSpec("--engine-use-ray", "flag"),
    OptSpec("--use-v2-block-manager", "flag"),
    OptSpec("--grpc", "flag"),
]


@lru_cache(maxsize=32)
def option_table(version: str | None) -> OptionTable:
    specs: list[OptSpec] | None = None
    try:
        from . import vllm_data  # generated snapshot of vLLM's argument parser

        specs = vllm_data.option_specs(version)
    except Exception:  # noqa: BLE001 - snapshot missing or unreadable: fall back
        specs = None
    if not specs:
        specs = list(_FALLBACK)
    else:
        have = {s.name for s in specs}
        # Keep the fallback's flags that the snapshot does not know (older/newer releases).
        specs = specs + [s for s in _FALLBACK if s.name not in have]
    return OptionTable(specs)


# -- behaviour by version ------------------------------------------------------------------

GENERATION_CONFIG_DEFAULT = [
    Fact(
        None,
        "no --generation-config flag before v0.6.6; generation_config.json sampling fields are "
        "not used as server defaults (vLLM PR #11164)",
        until="0.6.6",
    ),
    Fact(
        None,
        "--generation-config added in v0.6.6 with default None (= vLLM's own defaults); `auto` is "
        "opt-in (vLLM PR #11164; djl-serving PR #2685)",
        since="0.6.6",
        until="0.8.0",
    ),
    Fact(
        "auto",
        "--generation-config defaults to `auto` since v0.8.0: generation_config.json sampling "
        "fields become the server defaults (vLLM PR #12622; hmellor in vllm issue #15622)",
        since="0.8.0",
    ),
]

# Keys of generation_config.json that vLLM applies as default sampling parameters
# (ModelConfig.get_diff_sampling_param, vllm/config/model.py). do_sample is not consulted.
GENERATION_CONFIG_KEYS = {
    "repetition_penalty": "repetition_penalty",
    "temperature": "temperature",
    "top_k": "top_k",
    "top_p": "top_p",
    "min_p": "min_p",
    "max_new_tokens": "max_tokens",
}

DEFAULT_MODEL = [
    Fact(
        "facebook/opt-125m",
        "EngineArgs.model default in older releases (Red Hat vLLM 3.0 argument list)",
        until="0.10.0",
    ),
    Fact(
        "Qwen/Qwen3-0.6B",
        "ModelConfig.model default in recent releases (vllm/config/model.py; vllm PR #32292 "
        "quotes it); first release UNCONFIRMED",
        since="0.10.0",
    ),
]

MAX_LORA_RANK_DEFAULT = [
    Fact(16, "LoRAConfig.max_lora_rank default 16 (vllm/config/lora.py; vllm issue #2847)"),
]

DOCKER_ENTRYPOINT = [
    Fact(
        ("python3", "-m", "vllm.entrypoints.openai.api_server"),
        "vllm/vllm-openai image: docker/Dockerfile target vllm-openai "
        'ENTRYPOINT ["python3", "-m", "vllm.entrypoints.openai.api_server"] (vllm issue #17172)',
        until="0.11.1",
    ),
    Fact(
        ("vllm", "serve"),
        'vllm/vllm-openai image Entrypoint ["vllm", "serve"] in recent images (jetson-ai-lab '
        "PR #420, vllm-project.github.io PR #305); first release UNCONFIRMED (by 0.26.0)",
        since="0.11.1",
    ),
]

LORA_MODULES_NEED_ENABLE_LORA = Fact(
    True,
    "static adapters from --lora-modules are loaded at startup through the engine's add_lora; "
    "without --enable-lora the engine raises `LoRA is not enabled` and the server does not start "
    "(vllm/entrypoints/openai/serving_models.py init_static_loras; RuntimeError text in vllm "
    "issue #13394)",
)

NO_TEMPLATE_ERROR = (
    "As of transformers v4.44, default chat template is no longer allowed, so you must provide a "
    "chat template if the tokenizer does not define one."
)


def _data_fact(name: str, version: str | None):
    """A fact from the per-release snapshot of vLLM's sources (data/vllm_cli.json), or None."""
    try:
        from . import vllm_data

        return vllm_data.fact(name, version)
    except Exception:  # noqa: BLE001 - snapshot missing: callers use the hand-written facts
        return None


def generation_config_mode(version: str | None, flag_value: str | None) -> tuple[str | None, str]:
    """The effective --generation-config value and why."""
    if flag_value is not None:
        return flag_value, f"--generation-config {flag_value} on the command line"
    f = fact_at(GENERATION_CONFIG_DEFAULT, version)
    data = _data_fact("generation_config_default", version)
    if data is not None and data[0] in (None, "auto", "vllm"):
        return data[0], f"{f.source}; {data[1]}"
    return f.value, f.source


def default_model(version: str | None) -> tuple[str, str]:
    data = _data_fact("default_model", version)
    if data is not None and isinstance(data[0], str):
        return data[0], data[1]
    f = fact_at(DEFAULT_MODEL, version)
    return f.value, f.source


def image_entrypoint(version: str | None) -> tuple[tuple[str, ...], str]:
    data = _data_fact("dockerfile_entrypoint", version)
    if data is not None and isinstance(data[0], (list, tuple)) and data[0]:
        return tuple(data[0]), f"vllm/vllm-openai image entrypoint ({data[1]})"
    f = fact_at(DOCKER_ENTRYPOINT, version)
    return f.value, f.source


def chat_endpoint(form: str) -> str | None:
    """The OpenAI chat route a launch form exposes (None: no chat route)."""
    if form in (LEGACY_FORM, "vllm.LLM"):
        return None  # the legacy demo server only has /generate; the offline engine has none
    if form == "kserve huggingfaceserver":
        return "/openai/v1/chat/completions"
    return "/v1/chat/completions"


MAX_LORA_RANK_CHOICES = Fact(
    (1, 8, 16, 32, 64, 128, 256, 320, 512),
    "LoRAConfig.max_lora_rank is a Literal of 1, 8, 16, 32, 64, 128, 256, 320, 512 "
    "(vllm/config/lora.py; older releases: 8…512 without 1, basetenlabs/truss PR #1752)",
)


def max_lora_rank(version: str | None) -> tuple[int, tuple[int, ...] | None, str]:
    """(default, allowed values or None, source) for --max-lora-rank at ``version``."""
    default, source = 16, MAX_LORA_RANK_DEFAULT[0].source
    choices: tuple[int, ...] | None = MAX_LORA_RANK_CHOICES.value
    try:
        from . import vllm_data

        d, src = vllm_data.fact("max_lora_rank_default", version)
        if isinstance(d, int):
            default, source = d, src
        c, _ = vllm_data.fact("max_lora_rank_allowed", version)
        if isinstance(c, (list, tuple)) and c:
            choices = tuple(int(x) for x in c)
    except Exception:  # noqa: BLE001 - snapshot missing: the hand-written facts above
        pass
    return default, choices, source


# LoRA features the PEFTHelper rejects at load time (vllm/lora/peft_helper.py validate_legal).
LORA_REJECTS = {
    "modules_to_save": Fact(
        "vLLM only supports modules_to_save being None.",
        "vllm/lora/peft_helper.py PEFTHelper.validate_legal; vllm issue #9280",
    ),
    "use_dora": Fact(
        "vLLM does not yet support DoRA.",
        "vllm/lora/peft_helper.py PEFTHelper.validate_legal",
    ),
}

PROMPT_ADAPTERS = Fact(
    (("0.5.0", "0.10.0")),
    "prompt adapters (--enable-prompt-adapter, --prompt-adapters) were added by vLLM PR #4645 "
    '(v0.5) and removed by PR #20588 "[V0 Deprecation] Remove Prompt Adapters" (v0.10.0)',
)
