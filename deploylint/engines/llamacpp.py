"""llama.cpp: `llama-server` (and llama-cpp-python's `python -m llama_cpp.server`) command lines,
the variables they read, the Docker images and behaviour by version.

llama-server options: the "Usage" tables of tools/server/README.md of ggml-org/llama.cpp (stored
version 00dc8057ab28, 2026; generated from common/arg.cpp by llama-gen-docs), plus the options of
common/arg.cpp at llama.cpp 41e78c567e9a (2025-07, vendored in ollama/ollama c880be3f4) that the
newer README no longer lists (``_LEGACY``). Columns: arity, names (``POS/NEG``: ``--x`` turns on,
the names after ``/`` turn off), the variable the option reads (llama.cpp reads it when the
option is not on the command line; booleans take true/1/on/enabled or false/0/off/disabled).
llama.cpp versions are build numbers (image tags ``server-b4719``, release ``b4719``).

llama-cpp-python options: the fields of ``ModelSettings`` and ``ServerSettings``
(llama_cpp/server/settings.py @ abetlen/llama-cpp-python 3691546f, 2026-08-17) that
``add_args_from_model`` (llama_cpp/server/cli.py) turns into ``--<field>`` options, each taking a
value (booleans too); pydantic-settings also reads each from the upper-case variable.
"""

from __future__ import annotations

from functools import lru_cache

from . import Fact, fact_at, registry
from .base import Engine, na
from .cli import ArgOcc, OptionTable, OptSpec, ParsedArgs, Token, python_module
from .registry import ArgparseOptionTable

ENGINE = "llamacpp"
SERVER_FORM = "llama-server"
PYTHON_FORM = "python -m llama_cpp.server"


def recognize(words: list[Token]) -> tuple[str, int] | None:
    """`llama-server` (any path: ./llama-server, /app/llama-server, build/bin/llama-server),
    `/app/tools.sh --server` (the `full` image's entrypoint, .devops/tools.sh) and
    `python -m llama_cpp.server`."""
    if not words:
        return None
    first = words[0].text
    base = first.rsplit("/", 1)[-1]
    if base in ("llama-server", "llama-server.exe"):
        return SERVER_FORM, 1
    if base == "tools.sh" and len(words) > 1 and words[1].text in ("--server", "-s"):
        return SERVER_FORM, 2
    hit = python_module(words)
    if hit is not None and hit[0] == "llama_cpp.server":
        return PYTHON_FORM, hit[1]
    return None


_SERVER_TABLE = """
flag -h,--help,--usage
flag --version
flag -cl,--cache-list
flag --completion-bash
value -t,--threads LLAMA_ARG_THREADS
value -tb,--threads-batch
value -C,--cpu-mask
value -Cr,--cpu-range
value --cpu-strict
value --prio
value --poll
value -Cb,--cpu-mask-batch
value -Crb,--cpu-range-batch
value --cpu-strict-batch
value --prio-batch
value --poll-batch
value -c,--ctx-size LLAMA_ARG_CTX_SIZE
value -n,--predict,--n-predict LLAMA_ARG_N_PREDICT
value -b,--batch-size LLAMA_ARG_BATCH
value -ub,--ubatch-size LLAMA_ARG_UBATCH
value --keep
flag --swa-full LLAMA_ARG_SWA_FULL
value -fa,--flash-attn LLAMA_ARG_FLASH_ATTN
flag --perf/--no-perf LLAMA_ARG_PERF
flag -e,--escape/--no-escape
value --rope-scaling LLAMA_ARG_ROPE_SCALING_TYPE
value --rope-scale LLAMA_ARG_ROPE_SCALE
value --rope-freq-base LLAMA_ARG_ROPE_FREQ_BASE
value --rope-freq-scale LLAMA_ARG_ROPE_FREQ_SCALE
value --yarn-orig-ctx LLAMA_ARG_YARN_ORIG_CTX
value --yarn-ext-factor LLAMA_ARG_YARN_EXT_FACTOR
value --yarn-attn-factor LLAMA_ARG_YARN_ATTN_FACTOR
value --yarn-beta-slow LLAMA_ARG_YARN_BETA_SLOW
value --yarn-beta-fast LLAMA_ARG_YARN_BETA_FAST
flag -kvo,--kv-offload/-nkvo,--no-kv-offload LLAMA_ARG_KV_OFFLOAD
flag --repack/-nr,--no-repack LLAMA_ARG_REPACK
flag --no-host LLAMA_ARG_NO_HOST
value -ctk,--cache-type-k LLAMA_ARG_CACHE_TYPE_K
value -ctv,--cache-type-v LLAMA_ARG_CACHE_TYPE_V
value -dt,--defrag-thold LLAMA_ARG_DEFRAG_THOLD
value --rpc LLAMA_ARG_RPC
value -lm,--load-mode LLAMA_ARG_LOAD_MODE
value -lzm,--lazy-mode LLAMA_ARG_LAZY_MODE
value --numa LLAMA_ARG_NUMA
value -dev,--device LLAMA_ARG_DEVICE
flag --list-devices
value -ot,--override-tensor LLAMA_ARG_OVERRIDE_TENSOR
flag -cmoe,--cpu-moe LLAMA_ARG_CPU_MOE
value -ncmoe,--n-cpu-moe LLAMA_ARG_N_CPU_MOE
value --moe-cache-mib LLAMA_ARG_MOE_CACHE_MIB
value -ncffn,--n-cpu-ffn LLAMA_ARG_N_CPU_FFN
value -ngl,--gpu-layers,--n-gpu-layers LLAMA_ARG_N_GPU_LAYERS
value -sm,--split-mode LLAMA_ARG_SPLIT_MODE
value -ts,--tensor-split LLAMA_ARG_TENSOR_SPLIT
value -mg,--main-gpu LLAMA_ARG_MAIN_GPU
value -fit,--fit LLAMA_ARG_FIT
value -fitt,--fit-target LLAMA_ARG_FIT_TARGET
value -fitc,--fit-ctx LLAMA_ARG_FIT_CTX
flag --check-tensors
value --override-kv
flag --op-offload/--no-op-offload
value --lora
value --lora-scaled
value --control-vector
value --control-vector-scaled
multi --control-vector-layer-range
value -m,--model LLAMA_ARG_MODEL
value -mu,--model-url LLAMA_ARG_MODEL_URL
value -dr,--docker-repo LLAMA_ARG_DOCKER_REPO
value -hf,-hfr,--hf-repo LLAMA_ARG_HF_REPO
value -hff,--hf-file LLAMA_ARG_HF_FILE
value -hft,--hf-token  # reads HF_TOKEN: a secret, not taken as an option here
flag --log-disable
value --log-file LLAMA_ARG_LOG_FILE
flag --log-jsonl/--no-log-jsonl LLAMA_ARG_LOG_JSONL
value --log-colors LLAMA_ARG_LOG_COLORS
flag -v,--verbose,--log-verbose
flag --offline LLAMA_ARG_OFFLINE
value -lv,--verbosity,--log-verbosity LLAMA_ARG_LOG_VERBOSITY
flag --log-prefix/--no-log-prefix LLAMA_ARG_LOG_PREFIX
flag --log-timestamps/--no-log-timestamps LLAMA_ARG_LOG_TIMESTAMPS
value --spec-draft-type-k,-ctkd,--cache-type-k-draft LLAMA_ARG_SPEC_DRAFT_CACHE_TYPE_K
value --spec-draft-type-v,-ctvd,--cache-type-v-draft LLAMA_ARG_SPEC_DRAFT_CACHE_TYPE_V
value --samplers
value -s,--seed
value --sampler-seq,--sampling-seq
flag --ignore-eos
value --temp,--temperature LLAMA_ARG_TEMPERATURE
value --top-k LLAMA_ARG_TOP_K
value --top-p LLAMA_ARG_TOP_P
value --min-p LLAMA_ARG_MIN_P
value --top-nsigma,--top-n-sigma
value --xtc-probability
value --xtc-threshold
value --typical,--typical-p
value --repeat-last-n
value --repeat-penalty LLAMA_ARG_REPEAT_PENALTY
value --presence-penalty LLAMA_ARG_PRESENCE_PENALTY
value --frequency-penalty LLAMA_ARG_FREQUENCY_PENALTY
value --dry-multiplier
value --dry-base
value --dry-allowed-length
value --dry-penalty-last-n
value --dry-sequence-breaker
value --adaptive-target
value --adaptive-decay
value --dynatemp-range
value --dynatemp-exp
value --mirostat
value --mirostat-lr
value --mirostat-ent
value -l,--logit-bias
value --grammar
value --grammar-file
value -j,--json-schema
value -jf,--json-schema-file
flag -bs,--backend-sampling LLAMA_ARG_BACKEND_SAMPLING
value -lcs,--lookup-cache-static
value -lcd,--lookup-cache-dynamic
value --kv-unified-per-slot LLAMA_ARG_KV_UNIFIED_PER_SLOT
value -ctxcp,--ctx-checkpoints,--swa-checkpoints LLAMA_ARG_CTX_CHECKPOINTS
value -cms,--checkpoint-min-step LLAMA_ARG_CHECKPOINT_MIN_SPACING_NT
value -cram,--cache-ram LLAMA_ARG_CACHE_RAM
flag -kvu,--kv-unified/-no-kvu,--no-kv-unified LLAMA_ARG_KV_UNIFIED
flag --cache-idle-slots/--no-cache-idle-slots LLAMA_ARG_CACHE_IDLE_SLOTS
flag --context-shift/--no-context-shift LLAMA_ARG_CONTEXT_SHIFT
value -r,--reverse-prompt
flag -sp,--special
flag --warmup/--no-warmup
flag --spm-infill
value --pooling LLAMA_ARG_POOLING
value -np,--parallel LLAMA_ARG_N_PARALLEL
flag -cb,--cont-batching/-nocb,--no-cont-batching LLAMA_ARG_CONT_BATCHING
value -mm,--mmproj LLAMA_ARG_MMPROJ
value -mmu,--mmproj-url LLAMA_ARG_MMPROJ_URL
flag --mmproj-auto/--no-mmproj,--no-mmproj-auto LLAMA_ARG_MMPROJ_AUTO
flag --mmproj-offload/--no-mmproj-offload LLAMA_ARG_MMPROJ_OFFLOAD
value -mmdev,--mmproj-device MTMD_BACKEND_DEVICE
value --image-min-tokens LLAMA_ARG_IMAGE_MIN_TOKENS
value --image-max-tokens LLAMA_ARG_IMAGE_MAX_TOKENS
value --mtmd-batch-max-tokens LLAMA_ARG_MTMD_BATCH_MAX_TOKENS
value --video-fps LLAMA_ARG_VIDEO_FPS
value --video-timestamp-interval LLAMA_ARG_VIDEO_TIMESTAMP_INTERVAL
value --video-ffmpeg-dir LLAMA_ARG_VIDEO_FFMPEG_DIR
value -a,--alias LLAMA_ARG_ALIAS
value --tags LLAMA_ARG_TAGS
value --embd-normalize
value --host LLAMA_ARG_HOST
value --port LLAMA_ARG_PORT
flag --reuse-port LLAMA_ARG_REUSE_PORT
value --path LLAMA_ARG_STATIC_PATH
value --cors-origins LLAMA_ARG_CORS_ORIGINS
value --cors-methods LLAMA_ARG_CORS_METHODS
value --cors-headers LLAMA_ARG_CORS_HEADERS
flag --cors-credentials/--no-cors-credentials LLAMA_ARG_CORS_CREDENTIALS
value --api-prefix LLAMA_ARG_API_PREFIX
value --ui-config,--webui-config LLAMA_ARG_UI_CONFIG
value --ui-config-file,--webui-config-file LLAMA_ARG_UI_CONFIG_FILE
flag --ui-mcp-proxy,--webui-mcp-proxy/--no-ui-mcp-proxy,--no-webui-mcp-proxy LLAMA_ARG_UI_MCP_PROXY
value --tools LLAMA_ARG_TOOLS
value --tools-runtime LLAMA_ARG_TOOLS_RUNTIME
value --mcp-servers-config LLAMA_ARG_MCP_SERVERS_CONFIG
value --mcp-servers-json LLAMA_ARG_MCP_SERVERS_JSON
flag -ag,--agent/-no-ag,--no-agent LLAMA_ARG_AGENT
flag --ui,--webui/--no-ui,--no-webui LLAMA_ARG_UI
flag --embedding,--embeddings LLAMA_ARG_EMBEDDINGS
flag --rerank,--reranking LLAMA_ARG_RERANKING
value --api-key LLAMA_API_KEY
value --api-key-file LLAMA_ARG_API_KEY_FILE
value --ssl-key-file LLAMA_ARG_SSL_KEY_FILE
value --ssl-cert-file LLAMA_ARG_SSL_CERT_FILE
value --chat-template-kwargs LLAMA_ARG_CHAT_TEMPLATE_KWARGS
value -to,--timeout LLAMA_ARG_TIMEOUT
value --sse-ping-interval LLAMA_ARG_SSE_PING_INTERVAL
value --threads-http LLAMA_ARG_THREADS_HTTP
flag --cache-prompt/--no-cache-prompt LLAMA_ARG_CACHE_PROMPT
value --cache-reuse LLAMA_ARG_CACHE_REUSE
flag --metrics LLAMA_ARG_ENDPOINT_METRICS
flag --props LLAMA_ARG_ENDPOINT_PROPS
flag --slots/--no-slots LLAMA_ARG_ENDPOINT_SLOTS
value --slot-save-path LLAMA_ARG_SLOT_SAVE_PATH
value --media-path
value --models-dir LLAMA_ARG_MODELS_DIR
value --models-preset LLAMA_ARG_MODELS_PRESET
value --models-max LLAMA_ARG_MODELS_MAX
flag --models-autoload/--no-models-autoload LLAMA_ARG_MODELS_AUTOLOAD
flag --jinja/--no-jinja LLAMA_ARG_JINJA
value --reasoning-format LLAMA_ARG_THINK
value -rea,--reasoning LLAMA_ARG_REASONING
value --reasoning-effort LLAMA_ARG_REASONING_EFFORT
value --reasoning-budget LLAMA_ARG_THINK_BUDGET
value --reasoning-budget-message LLAMA_ARG_THINK_BUDGET_MESSAGE
flag --reasoning-preserve/--no-reasoning-preserve LLAMA_ARG_REASONING_PRESERVE
value --chat-template LLAMA_ARG_CHAT_TEMPLATE
value --chat-template-file LLAMA_ARG_CHAT_TEMPLATE_FILE
flag --skip-chat-parsing/--no-skip-chat-parsing LLAMA_ARG_SKIP_CHAT_PARSING
flag --prefill-assistant/--no-prefill-assistant LLAMA_ARG_PREFILL_ASSISTANT
value -sps,--slot-prompt-similarity
flag --lora-init-without-apply
value --sleep-idle-seconds
value --log-prompts-dir
value --spec-draft-hf,-hfd,-hfrd,--hf-repo-draft LLAMA_ARG_SPEC_DRAFT_HF_REPO
value --spec-draft-threads,-td,--threads-draft
value --spec-draft-threads-batch,-tbd,--threads-batch-draft
value --spec-draft-cpu-mask,-Cd,--cpu-mask-draft
value --spec-draft-cpu-range,-Crd,--cpu-range-draft
value --spec-draft-cpu-strict,--cpu-strict-draft
value --spec-draft-prio,--prio-draft
value --spec-draft-poll,--poll-draft
value --spec-draft-cpu-mask-batch,-Cbd,--cpu-mask-batch-draft
value --spec-draft-cpu-strict-batch,--cpu-strict-batch-draft
value --spec-draft-prio-batch,--prio-batch-draft
value --spec-draft-poll-batch,--poll-batch-draft
value --spec-draft-override-tensor,-otd,--override-tensor-draft
flag --spec-draft-cpu-moe,-cmoed,--cpu-moe-draft LLAMA_ARG_SPEC_DRAFT_CPU_MOE
value --spec-draft-n-cpu-moe,--spec-draft-ncmoe,-ncmoed,--n-cpu-moe-draft LLAMA_ARG_SPEC_DRAFT_N_CPU_MOE
value --spec-draft-n-max LLAMA_ARG_SPEC_DRAFT_N_MAX
value --spec-draft-n-min LLAMA_ARG_SPEC_DRAFT_N_MIN
value --spec-synth-len LLAMA_ARG_SPEC_SYNTH_LEN
value --spec-synth-rates LLAMA_ARG_SPEC_SYNTH_RATES
value --spec-draft-p-split,--draft-p-split LLAMA_ARG_SPEC_DRAFT_P_SPLIT
value --spec-draft-p-min,--draft-p-min LLAMA_ARG_SPEC_DRAFT_P_MIN
flag --spec-draft-backend-sampling/--no-spec-draft-backend-sampling LLAMA_ARG_SPEC_DRAFT_BACKEND_SAMPLING
value --spec-draft-sampling LLAMA_ARG_SPEC_DRAFT_SAMPLING
value --spec-draft-device,-devd,--device-draft
value --spec-draft-ngl,-ngld,--gpu-layers-draft,--n-gpu-layers-draft LLAMA_ARG_N_GPU_LAYERS_DRAFT
value --spec-draft-model,-md,--model-draft LLAMA_ARG_SPEC_DRAFT_MODEL
value --spec-type LLAMA_ARG_SPEC_TYPE
value --spec-ngram-mod-n-min
value --spec-ngram-mod-n-max
value --spec-ngram-mod-n-match
value --spec-ngram-simple-size-n
value --spec-ngram-simple-size-m
value --spec-ngram-simple-min-hits
value --spec-ngram-map-k-size-n
value --spec-ngram-map-k-size-m
value --spec-ngram-map-k-min-hits
value --spec-ngram-map-k4v-size-n
value --spec-ngram-map-k4v-size-m
value --spec-ngram-map-k4v-min-hits
value --draft,--draft-n,--draft-max LLAMA_ARG_DRAFT_MAX
value --draft-min,--draft-n-min LLAMA_ARG_DRAFT_MIN
value --spec-ngram-size-n
value --spec-ngram-size-m
value --spec-ngram-min-hits
flag --embd-gemma-default
flag --fim-qwen-1.5b-default
flag --fim-qwen-3b-default
flag --fim-qwen-7b-default
flag --fim-qwen-7b-spec
flag --fim-qwen-14b-spec
flag --fim-qwen-30b-default
flag --gpt-oss-20b-default
flag --gpt-oss-120b-default
flag --vision-gemma-4b-default
flag --vision-gemma-12b-default
flag --spec-default
"""  # noqa: E501

# Options of common/arg.cpp @ 41e78c567e9a (2025-07) that the newer README does not list, and the
# variables older builds read for the negative flags.
_LEGACY = """
flag --verbose-prompt
flag --mlock LLAMA_ARG_MLOCK
flag --no-mmap LLAMA_ARG_NO_MMAP
value -hfv,-hfrv,--hf-repo-v LLAMA_ARG_HF_REPO_V
value -hffv,--hf-file-v LLAMA_ARG_HF_FILE_V
value -cd,--ctx-size-draft LLAMA_ARG_CTX_SIZE_DRAFT
value -mv,--model-vocoder
flag --tts-use-guide-tokens
flag --embd-bge-small-en-default
flag --embd-e5-small-en-default
flag --embd-gte-small-default
"""

# variable (older builds) -> (option, negated)
_LEGACY_ENV = {
    "LLAMA_ARG_NO_CONTEXT_SHIFT": ("--context-shift", True),
    "LLAMA_ARG_NO_PERF": ("--perf", True),
    "LLAMA_ARG_NO_KV_OFFLOAD": ("--kv-offload", True),
    "LLAMA_ARG_NO_CONT_BATCHING": ("--cont-batching", True),
    "LLAMA_ARG_NO_MMPROJ": ("--mmproj-auto", True),
    "LLAMA_ARG_NO_MMPROJ_OFFLOAD": ("--mmproj-offload", True),
    "LLAMA_ARG_NO_WEBUI": ("--ui", True),
    "LLAMA_ARG_NO_ENDPOINT_SLOTS": ("--slots", True),
    "LLAMA_ARG_NO_PREFILL_ASSISTANT": ("--prefill-assistant", True),
    "LLAMA_ARG_NO_JINJA": ("--jinja", True),
    "LLAMA_ARG_KV_SPLIT": ("--kv-unified", False),
    "LLAMA_ARG_MODEL_DRAFT": ("--spec-draft-model", False),
    "LLAMA_ARG_HFD_REPO": ("--spec-draft-hf", False),
    "LLAMA_ARG_DRAFT_P_MIN": ("--spec-draft-p-min", False),
    "LLAMA_ARG_CACHE_TYPE_K_DRAFT": ("--spec-draft-type-k", False),
    "LLAMA_ARG_CACHE_TYPE_V_DRAFT": ("--spec-draft-type-v", False),
    "LLAMA_CHAT_TEMPLATE_KWARGS": ("--chat-template-kwargs", False),
    "LLAMA_LOG_COLORS": ("--log-colors", False),
    "LLAMA_OFFLINE": ("--offline", False),
    "LLAMA_LOG_VERBOSITY": ("--log-verbosity", False),
    "LLAMA_LOG_PREFIX": ("--log-prefix", False),
    "LLAMA_LOG_TIMESTAMPS": ("--log-timestamps", False),
}

_FALSE = {"false", "0", "off", "disabled", "no"}


class LlamaServerTable(OptionTable):
    """llama.cpp's own parser (common/arg.cpp): exact names only; a boolean option has positive
    and negative spellings (``-cb``/``-nocb``), which ``lookup`` returns as (spec, negated)."""

    def __init__(self, specs: list[OptSpec], negatives: dict[str, OptSpec]):
        super().__init__(specs, underscores=False)
        self.negatives = negatives

    def lookup(self, word: str) -> tuple[OptSpec | None, bool]:
        neg = self.negatives.get(word)
        if neg is not None:
            return neg, True
        spec = self.by_name.get(word)
        return spec, False


def _parse(text: str):
    specs: list[OptSpec] = []
    negatives: dict[str, OptSpec] = {}
    env: dict[str, tuple[OptSpec, bool]] = {}
    for line in text.strip().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        arity, names, *rest = line.split()
        pos, _, neg = names.partition("/")
        pos_names = pos.split(",")
        # the canonical name (hence the dest) is the first long one: -m,--model -> model
        canon = next((n for n in pos_names if n.startswith("--")), pos_names[0])
        aliases = tuple(n for n in pos_names if n != canon)
        spec = OptSpec(canon, arity, aliases, negatable=bool(neg))
        specs.append(spec)
        for n in neg.split(",") if neg else []:
            negatives[n] = spec
        if rest:
            env[rest[0]] = (spec, False)
    return specs, negatives, env


SERVER_SPECS, NEGATIVES, ENV_OPTIONS = _parse(_SERVER_TABLE)
_legacy_specs, _legacy_neg, _legacy_env = _parse(_LEGACY)
SERVER_SPECS += _legacy_specs
NEGATIVES.update(_legacy_neg)
for _var, _hit in _legacy_env.items():
    ENV_OPTIONS.setdefault(_var, _hit)
_BY_NAME = {n: s for s in SERVER_SPECS for n in (s.name, *s.aliases)}
for _var, (_name, _neg) in _LEGACY_ENV.items():
    ENV_OPTIONS.setdefault(_var, (_BY_NAME[_name], _neg))

# llama-cpp-python (llama_cpp/server/settings.py): field -> arity ("multi": List fields)
_PYTHON_FIELDS = """
model model_alias n_gpu_layers split_mode main_gpu vocab_only use_mmap use_mlock rpc_servers seed
n_ctx n_batch n_ubatch n_threads n_threads_batch rope_scaling_type rope_freq_base rope_freq_scale
yarn_ext_factor yarn_attn_factor yarn_beta_fast yarn_beta_slow yarn_orig_ctx mul_mat_q logits_all
embedding offload_kqv flash_attn last_n_tokens_size lora_base lora_path numa chat_format
chat_template_kwargs clip_model_path cache cache_type cache_size hf_tokenizer_config_path
hf_pretrained_model_name_or_path hf_model_repo_id draft_model draft_model_num_pred_tokens type_k
type_v verbose host port ssl_keyfile ssl_certfile api_key interrupt_requests disable_ping_events
root_path config_file
"""
_PYTHON_LISTS = ("tensor_split", "kv_overrides")
PYTHON_SPECS = [OptSpec("--" + f) for f in _PYTHON_FIELDS.split()] + [
    OptSpec("--" + f, "multi") for f in _PYTHON_LISTS
]
# pydantic-settings reads every field from its variable (case-insensitive); these matter here
PYTHON_ENV = {
    name.upper(): OptSpec("--" + name)
    for name in (
        "model",
        "model_alias",
        "chat_format",
        "n_ctx",
        "host",
        "port",
        "api_key",
        "lora_path",
        "lora_base",
        "hf_tokenizer_config_path",
        "hf_pretrained_model_name_or_path",
        "n_gpu_layers",
        "config_file",
    )
}


@lru_cache(maxsize=8)
def _table(form: str) -> OptionTable:
    if form == PYTHON_FORM:
        return ArgparseOptionTable(list(PYTHON_SPECS), underscores=False)
    return LlamaServerTable(list(SERVER_SPECS), dict(NEGATIVES))


def option_table(version: str | None = None, form: str | None = None) -> OptionTable:
    """The option table of ``form``; without one, of the command line being recognised (the two
    forms have different parsers), else llama-server's."""
    if form is None:
        hit = registry._last_hit
        form = hit[1] if hit is not None and hit[0] == ENGINE else SERVER_FORM
    return _table(form)


# -- behaviour by version ------------------------------------------------------------------

DEFAULT_HOST = Fact("127.0.0.1", "`--host` default 127.0.0.1 (tools/server/README.md; common.h)")

DEFAULT_PORT = Fact(
    8080,
    "`--port` default 8080 (common/common.h `int32_t port = 8080`; README 'listens on "
    "127.0.0.1:8080'). PR #26508 (2026-08-03) added a notice that the default will become 9931 "
    "(issue #26116) and a 2026 tools/server/README.md snapshot (00dc8057ab28) already documents "
    "9931; the first build with the new default is UNCONFIRMED",
)

IMAGE_HOST = Fact(
    "0.0.0.0",
    "server images set `ENV LLAMA_ARG_HOST=0.0.0.0` (.devops/cuda.Dockerfile target `server`, "
    ".devops/llama-server-cuda.Dockerfile)",
)

DOCKER_ENTRYPOINT = Fact(
    ("/app/llama-server",),
    'ghcr.io/ggml-org/llama.cpp:server* ENTRYPOINT [ "/app/llama-server" ] '
    "(.devops/cuda.Dockerfile @ 00d694664, target server); `full*` images run /app/tools.sh "
    "(`--server` execs llama-server), `light*` images /app/llama-cli; 2024 images used "
    "/llama-server (.devops/llama-server-cuda.Dockerfile)",
)

JINJA_DEFAULT = [
    Fact(
        False,
        "`--jinja` (PR #11016, build ~b4500, 2025-01) is opt-in: without it the server formats "
        "chats with llama.cpp's built-in C++ templates (llama_chat_apply_template)",
        until="7200",
    ),
    Fact(
        True,
        "Jinja is the server default since PR #17524 (commit e509411, 2025-11-27; `--no-jinja` "
        "turns it off); the first build with it is UNCONFIRMED (b7200 is assumed)",
        since="7200",
    ),
]

NO_TEMPLATE = Fact(
    "chatml",
    "without --chat-template(-file) the GGUF's tokenizer.chat_template is used; if the GGUF has "
    "none the server falls back to ChatML (review in PR #11016)",
)

CHAT_TEMPLATE_NAMES = Fact(
    "built-in names unless --jinja",
    "`--chat-template` takes a built-in template name (chatml, llama2, llama3, mistral-v7, gemma, "
    "phi3 ...); other Jinja text is only accepted when --jinja is on (tools/server/README.md)",
)

LORA_FORMAT = Fact(
    "FNAME[,FNAME...]",
    "`--lora FNAME` (comma-separated values load several adapters; older builds: repeat the "
    "option) and `--lora-scaled FNAME:SCALE,...` (tools/server/README.md; common/arg.cpp "
    "@ 41e78c5 said 'can be repeated')",
)

SAMPLING_DEFAULTS = Fact(
    {"temperature": 0.8, "top_k": 40, "top_p": 0.95, "min_p": 0.05, "repeat_penalty": 1.0},
    "llama-server sampling defaults --temp 0.80, --top-k 40, --top-p 0.95, --min-p 0.05, "
    "--repeat-penalty 1.00 (tools/server/README.md)",
)

PYTHON_DEFAULTS = Fact(
    {"host": "localhost", "port": 8000, "n_ctx": 2048},
    "llama-cpp-python server: host 'localhost', port 8000, n_ctx 2048 "
    "(llama_cpp/server/settings.py @ 3691546f)",
)


TOOLS_NEED_JINJA = [
    Fact(None, "tool calling before Jinja support (PR #11016, ~b4500) was not read", until="4500"),
    Fact(
        True,
        "llama-server refuses a request with `tools` unless Jinja templating is on: "
        '"tools param requires --jinja flag" (examples/server/utils.hpp '
        "oaicompat_completion_params_parse, tool-call support of PR #9639, 2025-01); a "
        '`tool_choice` without Jinja is "Unsupported param: tool_choice"',
        since="4500",
    ),
]


def image_entrypoint(version: str | None) -> tuple[tuple[str, ...], str]:
    return DOCKER_ENTRYPOINT.value, DOCKER_ENTRYPOINT.source


def options_from_env(args: ParsedArgs, env: dict, table: OptionTable, ctx) -> None:
    """llama-server reads an option from its LLAMA_ARG_* variable when the command line does not
    give it (llama-cpp-python: from the upper-case field name). The server image sets
    LLAMA_ARG_HOST=0.0.0.0."""
    form = registry.current_form(args, ctx, ENGINE) or (
        PYTHON_FORM if isinstance(table, ArgparseOptionTable) else SERVER_FORM
    )
    if form == PYTHON_FORM:
        registry.add_env_options(args, env, ctx, PYTHON_ENV)
    else:
        for var, (spec, negated) in ENV_OPTIONS.items():
            value = env.get(var)
            if value is None or args.has(spec.dest):
                continue
            occ = registry.env_occurrence(spec, var, value, ctx, args)
            if spec.arity == "flag":
                off = occ.values[0].text.strip().lower() in _FALSE
                occ.values = []
                occ.negated = off != negated
            args.options.setdefault(spec.dest, []).append(occ)
        from .images import llamacpp_variant

        if llamacpp_variant(getattr(ctx, "image", None)) == "server" and not args.has("host"):
            where = getattr(ctx, "image_loc", None) or registry.first_word_loc(args, ctx)
            origin = f"ENV LLAMA_ARG_HOST=0.0.0.0 in the image {ctx.image} ({IMAGE_HOST.source})"
            args.options.setdefault("host", []).append(
                ArgOcc(
                    _BY_NAME["--host"],
                    Token("LLAMA_ARG_HOST", where, origin=origin),
                    [Token("0.0.0.0", where, origin=origin)],
                )
            )


def model_token(args: ParsedArgs, form: str = SERVER_FORM, version: str | None = None):
    """(token, text, is_default, note) of the model: -m/--model (a GGUF path), else -hf/--hf-repo
    (a Hugging Face GGUF repository `user/model[:quant]`)."""
    occ = args.last("model")
    if occ is not None and occ.values:
        return occ.values[0], occ.values[0].text, False, ""
    if form == SERVER_FORM:
        occ = args.last("hf_repo")
        if occ is not None and occ.values:
            return occ.values[0], occ.values[0].text, False, "a Hugging Face GGUF repository"
    return None, None, False, ""


def served_names(args: ParsedArgs, form: str = SERVER_FORM) -> list[Token]:
    occ = args.last("alias" if form == SERVER_FORM else "model_alias")
    if occ is not None and occ.values:
        return [occ.values[0]]
    tok = model_token(args, form)[0]
    return [tok] if tok is not None else []


def lora_adapters(args: ParsedArgs, form: str = SERVER_FORM) -> list[tuple[str, Token]]:
    """(path, token) of each LoRA adapter (`--lora`, `--lora-scaled`; `--lora_path`)."""
    out: list[tuple[str, Token]] = []
    if form == PYTHON_FORM:
        return [(t.text, t) for t in args.values("lora_path")]
    for t in args.values("lora"):
        out.extend((p.strip(), t) for p in t.text.split(",") if p.strip())
    for t in args.values("lora_scaled"):
        for item in t.text.split(","):
            path = item.rsplit(":", 1)[0].strip()
            if path:
                out.append((path, t))
    return out


def jinja_enabled(args: ParsedArgs, version: str | None) -> tuple[bool, str]:
    v = args.flag("jinja")
    if v is not None:
        return v, "--no-jinja on the command line" if v is False else "--jinja on the command line"
    f = fact_at(JINJA_DEFAULT, version)
    return f.value, f.source


def listen(args: ParsedArgs, form: str = SERVER_FORM, version: str | None = None):
    if form == PYTHON_FORM:
        d = PYTHON_DEFAULTS.value
        return args.value("host") or d["host"], args.value("port") or str(d["port"])
    return args.value("host") or DEFAULT_HOST.value, args.value("port") or str(DEFAULT_PORT.value)


def chat_endpoint(form: str) -> str | None:
    return "/v1/chat/completions"


def _prompting(linked, launch, version):
    from ..templates import resolve as R
    from . import llamacpp_templates as lt
    from .common import version_phrase

    occ, text, tok = R.chat_template_arg(launch, "chat_template_file")
    if occ is not None:
        body, path = linked.read_linked_text(launch, text)
        if body is not None:
            return R.Prompting(
                "llamacpp",
                version,
                "jinja",
                f"--chat-template-file {text}",
                occ.loc,
                R.HFTemplate(
                    body, f"--chat-template-file {text}", occ.loc, R.launch_special_tokens(launch)
                ),
            )
    jinja, jinja_why = jinja_enabled(launch.args, version)
    occ, text, tok = R.chat_template_arg(launch)
    if occ is not None and text is not None and any(c in text for c in "{}"):
        return R.Prompting(
            "llamacpp",
            version,
            "jinja",
            "--chat-template (inline)",
            occ.loc,
            R.HFTemplate(
                text, "--chat-template (inline)", occ.loc, R.launch_special_tokens(launch)
            ),
        )
    if occ is not None and text is not None and occ.resolved:
        name = text.strip()
        phrase = version_phrase(launch)
        shape = f" ({lt.SHAPES[name]})" if name in lt.SHAPES else ""
        if name == "chatml":
            # Jinja or not, `chatml` is ChatML (common_chat_templates_init maps the name).
            where = f"--chat-template chatml (llama.cpp's built-in ChatML{shape})"
            return R.Prompting(
                "llamacpp",
                version,
                "llamacpp",
                where,
                occ.loc,
                form=R.LlamaCppForm("chatml"),
                notes=[f"built-in templates: {lt.SOURCE}"],
            )
        if not jinja:
            if name in lt.BUILTINS:
                where = f"--chat-template {name} (llama.cpp's built-in `{name}` template{shape})"
                return R.Prompting(
                    "llamacpp",
                    version,
                    "llamacpp",
                    where,
                    occ.loc,
                    form=R.LlamaCppForm(name),
                    notes=[
                        f"Jinja off: {jinja_why} ({phrase})",
                        f"built-in templates: {lt.SOURCE}",
                    ],
                )
            return R.Prompting(
                "llamacpp",
                version,
                "unknown",
                f"--chat-template {name}",
                occ.loc,
                notes=[f"`{name}` is not a built-in template deploylint renders ({lt.SOURCE})"],
            )
        if lt.is_builtin(name):
            # With Jinja on the value is template text: the built-in name is not looked up.
            where = (
                f"--chat-template {name} (with Jinja on, llama.cpp reads the name as template "
                f'text: every prompt is the literal text "{name}"; its built-in `{name}` '
                f"template{shape} needs --no-jinja)"
            )
            return R.Prompting(
                "llamacpp",
                version,
                "jinja",
                where,
                occ.loc,
                R.HFTemplate(name, where, occ.loc, {}),
                notes=[f"Jinja on: {jinja_why} ({phrase})", lt.JINJA_SOURCE],
            )
        return R.Prompting("llamacpp", version, "unknown", f"--chat-template {name}", occ.loc)
    if jinja and launch.model is not None:
        # The GGUF's own tokenizer.chat_template: its family's official format when the GGUF
        # comes from a known family (the converter copies the Hugging Face template).
        p = R.knowledge_format(
            launch.model.ref, "llamacpp", version, "the GGUF's embedded template"
        )
        if p is not None:
            return p
    return R.Prompting(
        "llamacpp", version, "unknown", "the GGUF's embedded template (weights are never read)"
    )


class LlamaCpp(Engine):
    """llama.cpp's `llama-server` (and its images) and llama-cpp-python's server."""

    name = ENGINE
    display = "llama.cpp"
    packages = ("llama-cpp-python",)
    forms = (SERVER_FORM, PYTHON_FORM)

    def recognize(self, words):
        return recognize(words)

    def option_table(self, version, form=None):
        return option_table(version, form)

    def options_from_env(self, args, env, table, ctx) -> None:
        options_from_env(args, env, table, ctx)

    def image_entrypoint(self, version):
        from .base import Entrypoint

        words, source = image_entrypoint(version)
        return Entrypoint(tuple(words), source)

    def apply_config_file(self, linked, launch):
        return na("llama-server reads no config file of options")

    def serves(self, launch) -> bool:
        return True

    def model_arg(self, launch):
        from .base import ModelArg

        tok, text, is_default, note = model_token(launch.args, launch.form)
        return ModelArg(tok, text, is_default, note)

    def tokenizer_arg(self, launch):
        return na("a GGUF file carries its own tokenizer")

    def served_names(self, launch):
        occ = launch.args.last("alias" if launch.form == SERVER_FORM else "model_alias")
        if occ is not None and occ.values:
            return [(occ.values[0].text, occ.values[0].loc)]
        return []

    def adapters(self, launch):
        from .base import Adapter

        out = []
        for path, tok in lora_adapters(launch.args, launch.form):
            ptok = Token(path, tok.loc, tok.resolved, tok.origin)
            out.append(Adapter(path, ptok, "--lora"))
        return out

    def adapter_loading(self, launch):
        from .base import AdapterLoading

        return AdapterLoading(
            problem=None,
            peft_types=frozenset({"LORA"}),
            peft_types_source=LORA_FORMAT.source + " (GGUF LoRA adapters only)",
            rank_limit=None,
        )

    def listen(self, launch):
        from .base import Listen

        host, port = listen(launch.args, launch.form)
        src = PYTHON_DEFAULTS.source if launch.form == PYTHON_FORM else DEFAULT_PORT.source
        return Listen(host, port, src)

    def chat_route(self, launch):
        return chat_endpoint(launch.form)

    def sampling_defaults(self, linked, launch, model):
        from .base import Setting

        if launch.form == PYTHON_FORM:
            return {}
        occ = launch.args.last("temp")
        if occ is not None and occ.value is not None and occ.resolved:
            try:
                return {"temperature": Setting(float(occ.value), "--temp", occ.loc)}
            except (ValueError, OverflowError):
                return {}
        d = SAMPLING_DEFAULTS.value
        return {"temperature": Setting(d["temperature"], SAMPLING_DEFAULTS.source, None)}

    def stop_set(self, linked, launch, md):
        return na("llama.cpp stops on the GGUF's end-of-generation tokens (weights are never read)")

    def prompting(self, linked, launch):
        from ..templates.resolve import mark_override

        return mark_override(_prompting(linked, launch, self.version_of(launch)), launch)

    def remote_code(self, launch):
        return na("GGUF models run no code shipped with the model")

    # -- security and context (issue 12: DPL601, DPL602, DPL502, DPL503, DPL205) -------------
    def bind_address(self, launch):
        from .common import bind_setting

        if launch.form == PYTHON_FORM:
            d = PYTHON_DEFAULTS.value
            return bind_setting(launch, "host", "--host", d["host"], PYTHON_DEFAULTS.source)
        return bind_setting(launch, "host", "--host", DEFAULT_HOST.value, DEFAULT_HOST.source)

    def auth(self, launch):
        from .base import Auth
        from .common import keys_auth

        if launch.form == PYTHON_FORM:
            return keys_auth(
                launch, "api_key", "--api_key", none_source="no `--api_key`", basis=API_KEY.source
            )
        occ = launch.args.last("api_key_file")
        if occ is not None and not launch.args.has("api_key"):
            return Auth(True, (), "`--api-key-file`", occ.loc, True, setting="`--api-key-file`")
        got = keys_auth(
            launch,
            "api_key",
            "--api-key",
            none_source="no `--api-key` and no `--api-key-file`",
            basis=API_KEY.source,
        )
        if isinstance(got, Auth) and got.keys:
            from dataclasses import replace

            return replace(got, keys=tuple(k.strip() for key in got.keys for k in key.split(",")))
        return got

    def dtype(self, launch):
        return na("GGUF weights carry their own types: llama.cpp has no dtype option")

    def refuses_float16(self, launch):
        return na("GGUF weights carry their own types: llama.cpp has no dtype option")

    def context_length(self, launch):
        from dataclasses import replace

        from .base import ContextLength

        got = self._context_length(launch)
        if isinstance(got, ContextLength):
            return replace(got, when_full=WHEN_FULL.value)
        return got

    def _context_length(self, launch):
        from .base import ContextLength, Setting
        from .common import context_from_option, parse_tokens_count

        if launch.form == PYTHON_FORM:
            occ = launch.args.last("n_ctx")
            d = PYTHON_DEFAULTS.value["n_ctx"]
            if occ is not None and occ.values and occ.resolved:
                n = parse_tokens_count(occ.values[0].text)
                if n is not None and n > 0:
                    return ContextLength(
                        n,
                        f"`--n_ctx {occ.values[0].text}`",
                        occ.loc,
                        "--n_ctx",
                        above_positions=CTX_TRAIN.value,
                    )
            return ContextLength(
                d,
                PYTHON_DEFAULTS.source,
                None,
                "--n_ctx",
                default=True,
                above_positions=CTX_TRAIN.value,
            )
        rope = None
        rope_src, rope_loc = "", None
        kind = launch.args.last("rope_scaling")
        if kind is not None and kind.values and kind.resolved and kind.values[0].text != "none":
            rope = {"type": kind.values[0].text}
            rope_src, rope_loc = f"`--rope-scaling {kind.values[0].text}`", kind.loc
            for dest, key in (
                ("rope_scale", "factor"),
                ("yarn_orig_ctx", "original_max_position_embeddings"),
            ):
                o = launch.args.last(dest)
                if o is not None and o.values and o.resolved:
                    try:
                        rope[key] = float(o.values[0].text)
                    except ValueError:
                        pass
        slots = None
        np_occ = launch.args.last("parallel")
        if (
            np_occ is not None
            and np_occ.values
            and np_occ.resolved
            and not launch.args.flag("kv_unified")
        ):
            n = parse_tokens_count(np_occ.values[0].text)
            if n is not None and n > 1:
                slots = Setting(
                    n, f"`-np {np_occ.values[0].text}` without `--kv-unified`", np_occ.loc
                )
        common = {
            "rope_scaling": rope,
            "rope_source": rope_src,
            "rope_loc": rope_loc,
            "above_positions": CTX_TRAIN.value,
            "slots": slots,
        }
        got = context_from_option(launch, "ctx_size", "-c", "-c/--ctx-size", **common)
        if got is not None:
            return got
        return ContextLength(
            None, CTX_DEFAULT.source, None, "-c/--ctx-size", default=True, **common
        )

    # -- multimodal (issue 12: DPL701, DPL702) -----------------------------------------------
    def image_limits(self, launch):
        return na("llama.cpp's mtmd image preprocessing is not modelled")

    def training_image_limits(self, run):
        return na("llama.cpp does not fine-tune models")

    # -- tool calls and reasoning (issue 13: DPL801-DPL804) ----------------------------------
    def tool_calling(self, launch, family):
        from .base import Problem, ToolCalling, na
        from .common import version_phrase

        if launch.form == PYTHON_FORM:
            return na(
                "llama-cpp-python's server: tool calls depend on its --chat_format, not modelled"
            )
        version = self.version_of(launch)
        on, why = jinja_enabled(launch.args, version)
        f = fact_at(TOOLS_NEED_JINJA, version)
        if on or f.value is not True:
            return ToolCalling("jinja" if on else None, why)
        occ = launch.args.last("jinja")
        where = occ.loc if occ is not None else launch.loc
        problem = Problem(
            "tools-not-parsed",
            where,
            f"{version_phrase(launch)} runs without Jinja templating ({why}): a request with "
            '`tools` is refused with "tools param requires --jinja flag"',
            "add --jinja (with a --chat-template-file that renders tools, when the GGUF's "
            "template does not)",
            {"fact": f.source, "jinja": why},
            anchor="tools without --jinja",
        )
        return ToolCalling(None, why, problem, problem)

    def reasoning(self, launch, family, prompt_think):
        from .base import na

        return na(
            "llama.cpp's --reasoning-format is not modelled yet (issue 13 covers vLLM and SGLang)"
        )

    def chat_template_kwargs(self, launch):
        from .base import na

        return na("llama.cpp's chat-template kwargs are not modelled yet")

    # -- releases and settings (DPL504, DPL505) and offline generation (DPL206, DPL104) ------
    def architecture_support(self, launch, arch):
        return na("llama.cpp loads GGUF files; their architecture is not modelled")

    def settings_not_read(self, launch):
        return na("llama.cpp's options by build are not modelled")

    def output_budget(self, linked, launch, call):
        return na("llama-server's n_predict default is -1 (no cap)")

    def prompt_special_tokens(self, launch, call):
        return na("how llama-server tokenizes text prompts is not modelled")

    # -- wording -----------------------------------------------------------------------------
    def fix(self, topic, **kw):
        if topic == "missing-chat-template":
            return "pass --jinja --chat-template-file with the template the model was trained with"
        if topic == "chat-template-file":
            return "pass --jinja --chat-template-file with a file holding the training template"
        if topic == "load-adapter":
            return (
                f"load its GGUF conversion with --lora {kw.get('adapter', '<adapter.gguf>')}, or "
                "merge it before converting the model to GGUF"
            )
        return self.generic_fix(topic, **kw)


# -- security and context (issue 12) -----------------------------------------------------------
API_KEY = Fact(
    None,
    "no `--api-key` (env LLAMA_API_KEY) and no `--api-key-file`: every route answers without a "
    "key (tools/server/README.md)",
)

CTX_DEFAULT = Fact(
    None,
    "`-c/--ctx-size` default 0: the model's trained context from the GGUF metadata "
    "(tools/server/README.md; older releases defaulted to 4096 or 512)",
)

CTX_TRAIN = Fact(
    'llama.cpp runs with it and only warns "n_ctx_per_seq (N) > n_ctx_train (M) -- possible '
    'training context overflow" (src/llama-context.cpp)',
    "src/llama-context.cpp",
)

WHEN_FULL = Fact(
    "a request longer than its slot's context fails with \"the request exceeds the available "
    'context size" (context shift off, recent releases) or loses its oldest tokens to context '
    "shift (older releases, `--context-shift`)",
    "tools/server/server.cpp; llama.cpp issues #11681, #23652",
)

SLOTS = Fact(
    None,
    "with `-np N` and no `--kv-unified`, each slot gets ctx-size / N (src/llama-context.cpp "
    "n_ctx_seq = n_ctx / n_seq_max; llama.cpp issue #11681, PR #17767; with `-np` left to auto, "
    "recent releases unify the KV cache: PR #17997)",
)


ENGINE_IMPL = LlamaCpp()
