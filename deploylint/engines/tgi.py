"""TGI (Hugging Face text-generation-inference): `text-generation-launcher` command lines, the
variables it reads, its Docker image and behaviour by version.

Option table: every field of the launcher's clap ``Args`` struct (launcher/src/main.rs), read at
every release tag of huggingface/text-generation-inference from v0.2.0 to v3.3.7 (HEAD
db931fcf42da, 2026-01-08). Columns: arity, the environment variable clap reads for the option
(``#[clap(long, env)]``: the field name in upper snake case; ``-`` none), the option and its
short alias, then ``# default`` from ``default_value``. ``@SINCE..UNTIL`` is the release range
[SINCE, UNTIL) an option exists in. clap rules: no abbreviations, no ``--x_y`` spelling, the
command line beats the variable. Each other fact carries its source.
"""

from __future__ import annotations

from functools import lru_cache

from . import Fact, fact_at, registry
from .base import Engine, na
from .cli import ArgOcc, OptionTable, OptSpec, ParsedArgs, Token
from .registry import parse_option_table

ENGINE = "tgi"
LAUNCHER_FORM = "text-generation-launcher"

_TABLE = """
value MODEL_ID --model-id  # default bigscience/bloom-560m
value REVISION --revision
value NUM_SHARD --num-shard
value QUANTIZE --quantize
value MAX_CONCURRENT_REQUESTS --max-concurrent-requests  # default 128
value MAX_INPUT_LENGTH --max-input-length
value MAX_BATCH_SIZE --max-batch-size@..0.9.0;1.4.1..
value MAX_WAITING_TOKENS --max-waiting-tokens  # default 20
value PORT --port -p  # default 3000
value SHARD_UDS_PATH --shard-uds-path  # default /tmp/text-generation-server
value MASTER_ADDR --master-addr  # default localhost
value MASTER_PORT --master-port  # default 29500
flag JSON_OUTPUT --json-output
value HUGGINGFACE_HUB_CACHE --huggingface-hub-cache@0.3.0..
value WEIGHTS_CACHE_OVERRIDE --weights-cache-override@0.3.0..
flag DISABLE_CUSTOM_KERNELS --disable-custom-kernels@0.3.0..
value OTLP_ENDPOINT --otlp-endpoint@0.3.0..
value CORS_ALLOW_ORIGIN --cors-allow-origin@0.3.1..
value MAX_STOP_SEQUENCES --max-stop-sequences@0.3.2..  # default 4
value MAX_TOTAL_TOKENS --max-total-tokens@0.3.2..
value WATERMARK_GAMMA --watermark-gamma@0.3.2..
value WATERMARK_DELTA --watermark-delta@0.3.2..
value SHARDED --sharded@0.4.0..
value MAX_BEST_OF --max-best-of@0.4.0..  # default 2
flag TRUST_REMOTE_CODE --trust-remote-code@0.7.0..
value WAITING_SERVED_RATIO --waiting-served-ratio@0.7.0..  # default 0.3
value MAX_BATCH_TOTAL_TOKENS --max-batch-total-tokens@0.7.0..
flag - --env@0.7.0.. -e
value DTYPE --dtype@0.9.0..
value MAX_BATCH_PREFILL_TOKENS --max-batch-prefill-tokens@0.9.0..
flag NGROK --ngrok@0.9.0..
value NGROK_AUTHTOKEN --ngrok-authtoken@0.9.0..
value NGROK_DOMAIN --ngrok-domain@0.9.0..0.9.4
value NGROK_USERNAME --ngrok-username@0.9.0..0.9.4
value NGROK_PASSWORD --ngrok-password@0.9.0..0.9.4
value HOSTNAME --hostname@0.9.1..  # default 0.0.0.0
value VALIDATION_WORKERS --validation-workers@0.9.2..  # default 2
value CUDA_MEMORY_FRACTION --cuda-memory-fraction@0.9.4..  # default 1.0
value NGROK_EDGE --ngrok-edge@0.9.4..
value ROPE_SCALING --rope-scaling@1.0.1..
value ROPE_FACTOR --rope-factor@1.0.1..
value MAX_TOP_N_TOKENS --max-top-n-tokens@1.0.3..  # default 5
value SPECULATE --speculate@1.3.0..
value TOKENIZER_CONFIG_PATH --tokenizer-config-path@1.4.0..
flag ENABLE_CUDA_GRAPHS --enable-cuda-graphs@1.4.1..2.0.0
flag DISABLE_GRAMMAR_SUPPORT --disable-grammar-support@1.4.1..
value MAX_INPUT_TOKENS --max-input-tokens@2.0.0..
value CUDA_GRAPHS --cuda-graphs@2.0.0..
value MAX_CLIENT_BATCH_SIZE --max-client-batch-size@2.0.1..  # default 4
value OTLP_SERVICE_NAME --otlp-service-name@2.1.0..  # default text-generation-inference.router
value LORA_ADAPTERS --lora-adapters@2.1.0..
flag DISABLE_USAGE_STATS --disable-usage-stats@2.2.0..2.3.0  # default false
flag DISABLE_CRASH_REPORTS --disable-crash-reports@2.2.0..2.3.0  # default false
value API_KEY --api-key@2.3.0..
value USAGE_STATS --usage-stats@2.3.0..  # default on
value KV_CACHE_DTYPE --kv-cache-dtype@2.4.0..
value PAYLOAD_LIMIT --payload-limit@2.4.1..  # default 2000000
flag ENABLE_PREFILL_LOGPROBS --enable-prefill-logprobs@3.0.0..
value GRACEFUL_TERMINATION_TIMEOUT --graceful-termination-timeout@3.2.2.. -g  # default 90
value PROMETHEUS_PORT --prometheus-port@3.3.0..  # default 9000
"""


def _parse(text: str):
    rows, env, defaults = [], {}, {}
    for line in text.strip().splitlines():
        body, _, comment = line.partition("#")
        parts = body.split()
        if not parts:
            continue
        arity, var, *names = parts
        rows.append(" ".join([arity, *names]))
        name = names[0].split("@", 1)[0]
        if var != "-":
            env[var] = name
        if comment.strip().startswith("default "):
            defaults[name] = comment.strip()[len("default ") :]
    specs, ranges = parse_option_table("\n".join(rows))
    return specs, ranges, env, defaults


SPECS, RANGES, ENV_VARS, DEFAULTS = _parse(_TABLE)
_BY_NAME = {s.name: s for s in SPECS}
# variable -> option spec (MODEL_ID -> --model-id ...)
ENV_OPTIONS: dict[str, OptSpec] = {var: _BY_NAME[name] for var, name in ENV_VARS.items()}


def recognize(words: list[Token]) -> tuple[str, int] | None:
    """`text-generation-launcher ...`, also through the image's wrapper `/tgi-entrypoint.sh`
    (`exec text-generation-launcher $@`, tgi-entrypoint.sh since v2.0.0)."""
    if not words:
        return None
    base = words[0].text.rsplit("/", 1)[-1]
    if base in ("text-generation-launcher", "tgi-entrypoint.sh"):
        return LAUNCHER_FORM, 1
    return None


@lru_cache(maxsize=4)
def option_table(version: str | None = None) -> OptionTable:
    return OptionTable(list(SPECS), underscores=False)


def option_available(name: str, version: str | None) -> bool | None:
    return registry.option_available(RANGES, name, version)


# -- behaviour by version ------------------------------------------------------------------

DEFAULT_MODEL = Fact(
    "bigscience/bloom-560m",
    "`--model-id` [env MODEL_ID] default bigscience/bloom-560m (launcher/src/main.rs, v0.2.0 to "
    "v3.3.7)",
)

DEFAULT_PORT = Fact(3000, "`-p/--port` [env PORT] default 3000 (launcher/src/main.rs)")

IMAGE_PORT = Fact(
    80,
    "the Docker image sets `ENV PORT=80` (Dockerfile, v1.0.0 to v3.3.7): the launcher in the image "
    "listens on 80 unless --port or PORT says otherwise",
)

DEFAULT_HOSTNAME = Fact(
    "0.0.0.0", "`--hostname` [env HOSTNAME] default 0.0.0.0 (launcher/src/main.rs, 0.9.1+)"
)

DOCKER_ENTRYPOINT = [
    Fact(
        ("text-generation-launcher",),
        'ghcr.io/huggingface/text-generation-inference: ENTRYPOINT ["text-generation-launcher"] '
        "(Dockerfile @ v1.0.0..v1.4.5)",
        until="2.0.0",
    ),
    Fact(
        ("/tgi-entrypoint.sh",),
        'ghcr.io/huggingface/text-generation-inference: ENTRYPOINT ["/tgi-entrypoint.sh"], a '
        "wrapper that runs `exec text-generation-launcher $@` (Dockerfile and tgi-entrypoint.sh "
        "@ v2.0.0..v3.3.7; commit c2fd35d8, PR #1716)",
        since="2.0.0",
    ),
]

SAGEMAKER_ENV = {
    "HF_MODEL_ID": "MODEL_ID",
    "HF_MODEL_REVISION": "REVISION",
    "SM_NUM_GPUS": "NUM_SHARD",
    "HF_MODEL_QUANTIZE": "QUANTIZE",
    "HF_MODEL_TRUST_REMOTE_CODE": "TRUST_REMOTE_CODE",
}

SAGEMAKER = Fact(
    SAGEMAKER_ENV,
    "SageMaker image: sagemaker-entrypoint.sh exports MODEL_ID from HF_MODEL_ID (required), "
    "REVISION from HF_MODEL_REVISION, NUM_SHARD from SM_NUM_GPUS, QUANTIZE from HF_MODEL_QUANTIZE, "
    "TRUST_REMOTE_CODE from HF_MODEL_TRUST_REMOTE_CODE, then runs `text-generation-launcher "
    "--port 8080` (sagemaker-entrypoint.sh @ v3.3.7)",
)

LORA_ADAPTERS_FORMAT = Fact(
    "ID[=PATH][@REVISION],...",
    "`--lora-adapters` [LORA_ADAPTERS] (2.1.0+): comma-separated `id[=path][@revision]`, available "
    "to callers through the `adapter_id` request field (parse_lora_adapters in "
    "server/text_generation_server/utils/adapter.py @ v3.3.7; launcher.md)",
)

TEMPLATE_SOURCE = Fact(
    "tokenizer_config.json",
    "TGI reads the chat template only from tokenizer_config.json (or --tokenizer-config-path), "
    "not chat_template.jinja (TGI issue #3247); none → `/v1/chat/completions` answers "
    '"Template error: template not found" (TGI issues #1593, #1743, PR #1427)',
)

DTYPE_WITH_QUANTIZE = Fact(
    False,
    "`--dtype` cannot be combined with `--quantize` (launcher.md)",
)

FLAG_FROM_ENV = Fact(
    "true/false",
    "boolean options read from their variable (TRUST_REMOTE_CODE=true) through clap's value "
    "parser for the flag (launcher/src/main.rs; clap 4 `env`)",
)


def image_entrypoint(version: str | None) -> tuple[tuple[str, ...], str]:
    f = fact_at(DOCKER_ENTRYPOINT, version)
    return f.value, f.source


def _is_sagemaker(env: dict, ctx) -> bool:
    from .images import is_sagemaker_tgi

    if is_sagemaker_tgi(getattr(ctx, "image", None)):
        return True
    return "HF_MODEL_ID" in env and "MODEL_ID" not in env and any(k.startswith("SM_") for k in env)


def options_from_env(args: ParsedArgs, env: dict, table: OptionTable, ctx) -> None:
    """Every launcher option has a variable of the same upper-snake name; options the command
    line does not give come from the container's environment (and, with the SageMaker image,
    from its HF_* variables). In the image, PORT=80 unless set."""
    from .images import image_info

    if _is_sagemaker(env, ctx):
        for src, dst in SAGEMAKER_ENV.items():
            spec = ENV_OPTIONS[dst]
            if src in env and dst not in env and not args.has(spec.dest):
                occ = registry.env_occurrence(spec, src, env[src], ctx, args)
                occ.flag.origin = (occ.flag.origin or "") + f" (SageMaker entrypoint: {dst})"
                args.options.setdefault(spec.dest, []).append(occ)
        if not args.has("port"):
            where = registry.first_word_loc(args, ctx)
            origin = "`--port 8080` in the SageMaker image's entrypoint (sagemaker-entrypoint.sh)"
            args.options.setdefault("port", []).append(
                ArgOcc(
                    _BY_NAME["--port"],
                    Token("--port", where, origin=origin),
                    [Token("8080", where, origin=origin)],
                )
            )
    registry.add_env_options(args, env, ctx, ENV_OPTIONS)
    info = image_info(ctx.image) if getattr(ctx, "image", None) else None
    if info is not None and info.engine == ENGINE and not args.has("port"):
        where = getattr(ctx, "image_loc", None) or registry.first_word_loc(args, ctx)
        origin = f"ENV PORT=80 in the image {ctx.image} ({IMAGE_PORT.source})"
        args.options.setdefault("port", []).append(
            ArgOcc(
                _BY_NAME["--port"],
                Token("PORT", where, origin=origin),
                [Token("80", where, origin=origin)],
            )
        )


def model_token(args: ParsedArgs, form: str = LAUNCHER_FORM, version: str | None = None):
    """(token, text, is_default, note) of the served model."""
    occ = args.last("model_id")
    if occ is not None and occ.values:
        return occ.values[0], occ.values[0].text, False, ""
    return None, DEFAULT_MODEL.value, True, f"no --model-id / MODEL_ID: {DEFAULT_MODEL.source}"


def lora_adapters(args: ParsedArgs) -> list[tuple[str, str, str | None, Token]]:
    """(adapter id, path or id, revision, token) for each `--lora-adapters` item."""
    occ = args.last("lora_adapters")
    if occ is None or not occ.values:
        return []
    tok = occ.values[0]
    out = []
    for item in tok.text.split(","):
        item = item.strip()
        if not item:
            continue
        head, _, rev = item.partition("@")
        aid, eq, path = head.partition("=")
        out.append((aid, path if eq else aid, rev or None, tok))
    return out


def listen(args: ParsedArgs, form: str = LAUNCHER_FORM, version: str | None = None):
    host = args.value("hostname") or DEFAULT_HOSTNAME.value
    port = args.value("port") or str(DEFAULT_PORT.value)
    return host, port


def served_names(args: ParsedArgs, form: str = LAUNCHER_FORM) -> list[Token]:
    tok = model_token(args, form)[0]
    return [tok] if tok is not None else []


def chat_endpoint(form: str) -> str | None:
    return "/v1/chat/completions"


def _prompting(linked, launch, version):
    import json

    from ..templates import resolve as R

    occ, text, tok = R.chat_template_arg(launch, "tokenizer_config_path")
    if occ is not None:
        body, path = linked.read_linked_text(launch, text)
        if body is None:
            return R.Prompting(
                "tgi", version, "unknown", f"--tokenizer-config-path {text}", occ.loc
            )
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        t = R.select_template(data.get("chat_template")) if isinstance(data, dict) else None
        if t:
            st = R.launch_special_tokens(launch)
            return R.Prompting(
                "tgi",
                version,
                "jinja",
                f"--tokenizer-config-path {text}",
                occ.loc,
                R.HFTemplate(t, f"--tokenizer-config-path {text}", occ.loc, st),
            )
        return R.Prompting(
            "tgi",
            version,
            "none",
            f"--tokenizer-config-path {text} has no chat_template",
            occ.loc,
            failure=R.TGI_NO_TEMPLATE,
        )
    md = R.tokenizer_dir(launch)
    if md is None:
        return R.knowledge_prompting(
            "tgi", version, launch, "the model's own template (its files are not in the repository)"
        )
    t = R.hf_template(md, processor=False, jinja_file=False)
    if t is not None:
        return R.Prompting("tgi", version, "jinja", t.source, t.loc, t)
    note = []
    if "chat_template.jinja" in md.names or "chat_template.json" in md.names:
        note.append(
            "the directory has a chat_template.jinja/.json, which TGI does not read "
            "(TGI issue #3247)"
        )
    return R.Prompting(
        "tgi",
        version,
        "none",
        "no chat_template in tokenizer_config.json",
        failure=R.TGI_NO_TEMPLATE,
        notes=note,
    )


class TGI(Engine):
    """Hugging Face text-generation-inference (`text-generation-launcher`, its images)."""

    name = ENGINE
    display = "TGI"
    packages = ()
    forms = (LAUNCHER_FORM,)

    def recognize(self, words):
        return recognize(words)

    def option_table(self, version, form=None):
        return option_table(version)

    def options_from_env(self, args, env, table, ctx) -> None:
        options_from_env(args, env, table, ctx)

    def image_entrypoint(self, version):
        from .base import Entrypoint

        words, source = image_entrypoint(version)
        return Entrypoint(tuple(words), source)

    def apply_config_file(self, linked, launch):
        return na("text-generation-launcher reads no config file")

    def serves(self, launch) -> bool:
        return True

    def model_arg(self, launch):
        from .base import ModelArg

        t = launch.model_token
        if t is not None:
            return ModelArg(t, t.text)
        tok, text, is_default, note = model_token(launch.args, launch.form)
        return ModelArg(tok, text, is_default, note)

    def tokenizer_arg(self, launch):
        return na(
            "TGI loads the tokenizer from the model (--tokenizer-config-path only replaces "
            "its tokenizer_config.json)"
        )

    def served_names(self, launch):
        return [(t.text, t.loc) for t in served_names(launch.args, launch.form)]

    def adapters(self, launch):
        from .base import Adapter

        out = []
        for aid, path, _rev, tok in lora_adapters(launch.args):
            out.append(
                Adapter(aid, Token(path, tok.loc, tok.resolved, tok.origin), "--lora-adapters")
            )
        return out

    def adapter_loading(self, launch):
        from .base import AdapterLoading

        return AdapterLoading(
            problem=None,
            peft_types=frozenset({"LORA"}),
            peft_types_source=LORA_ADAPTERS_FORMAT.source + " (LoRA adapters only)",
            rank_limit=None,
        )

    def listen(self, launch):
        from .base import Listen

        host, port = listen(launch.args, launch.form)
        return Listen(host, port, DEFAULT_PORT.source)

    def chat_route(self, launch):
        return chat_endpoint(launch.form)

    def sampling_defaults(self, linked, launch, model):
        return na("TGI applies no server-side sampling defaults from the model's files")

    def stop_set(self, linked, launch, md):
        from .common import hf_stop_set

        return hf_stop_set(md)

    def prompting(self, linked, launch):
        return _prompting(linked, launch, self.version_of(launch))

    def remote_code(self, launch):
        from .common import flag_remote_code

        return flag_remote_code(launch, "trust_remote_code", "--trust-remote-code")

    # -- security and context (issue 12: DPL601, DPL602, DPL502, DPL503, DPL205) -------------
    def bind_address(self, launch):
        from .common import bind_setting

        return bind_setting(
            launch, "hostname", "--hostname", DEFAULT_HOSTNAME.value, DEFAULT_HOSTNAME.source
        )

    def auth(self, launch):
        from ..versions import Version
        from .base import Auth
        from .common import keys_auth

        v = Version.parse(self.version_of(launch) or "")
        since = Version.parse(API_KEY_SINCE.value)
        if v is not None and since is not None and v < since:
            return Auth(
                False,
                (),
                f"TGI has no API key before v{API_KEY_SINCE.value}",
                basis=API_KEY_SINCE.source,
            )
        return keys_auth(
            launch,
            "api_key",
            "--api-key",
            none_source="no `--api-key` (env API_KEY)",
            basis=API_KEY.source,
        )

    def dtype(self, launch):
        from .common import dtype_setting

        return dtype_setting(launch, "dtype", "--dtype", "auto", DTYPE_DEFAULT.source)

    def refuses_float16(self, launch):
        return {}

    def context_length(self, launch):
        from .base import ContextLength
        from .common import context_from_option

        rope = None
        rope_src, rope_loc = "", None
        kind = launch.args.last("rope_scaling")
        factor = launch.args.last("rope_factor")
        if kind is not None and kind.values and kind.resolved:
            rope = {"type": kind.values[0].text}
            rope_src, rope_loc = f"`--rope-scaling {kind.values[0].text}`", kind.loc
            if factor is not None and factor.values and factor.resolved:
                try:
                    rope["factor"] = float(factor.values[0].text)
                except ValueError:
                    pass
                rope_src += f" `--rope-factor {factor.values[0].text}`"
        common = {
            "rope_scaling": rope,
            "rope_source": rope_src,
            "rope_loc": rope_loc,
            "above_positions": MAX_TOTAL_TOKENS.value,
        }
        for dest, flag in (
            ("max_total_tokens", "--max-total-tokens"),
            ("max_input_tokens", "--max-input-tokens"),
        ):
            got = context_from_option(launch, dest, flag, flag, **common)
            if got is not None:
                return got
        return ContextLength(
            None, MAX_TOTAL_TOKENS.source, None, "--max-total-tokens", default=True, **common
        )

    # -- multimodal (issue 12: DPL701, DPL702) -----------------------------------------------
    def image_limits(self, launch):
        return na("TGI's image preprocessing is not modelled")

    def training_image_limits(self, run):
        return na("TGI does not fine-tune models")

    # -- tool calls and reasoning (issue 13: DPL801-DPL804) ----------------------------------
    def tool_calling(self, launch, family):
        from .base import na

        return na("TGI's tool-call parsing is not modelled yet")

    def reasoning(self, launch, family, prompt_think):
        from .base import na

        return na("TGI's reasoning parsers are not modelled yet (issue 13 covers vLLM and SGLang)")

    def chat_template_kwargs(self, launch):
        from .base import na

        return na("TGI's chat-template kwargs are not modelled yet")

    # -- releases and settings (DPL504, DPL505) and offline generation (DPL206, DPL104) ------
    def architecture_support(self, launch, arch):
        return na("the architectures each TGI release implements are not modelled")

    def settings_not_read(self, launch):
        from .release_answers import tgi_settings_not_read

        return tgi_settings_not_read(launch, self.version_of(launch))

    def output_budget(self, linked, launch, call):
        return na("TGI's request defaults are not modelled")

    def prompt_special_tokens(self, launch, call):
        return na("how TGI tokenizes text prompts is not modelled")

    # -- wording -----------------------------------------------------------------------------
    def fix(self, topic, **kw):
        if topic == "missing-chat-template":
            return (
                "put the template into tokenizer_config.json (`chat_template`), or pass "
                "--tokenizer-config-path to a file that has it"
            )
        if topic == "load-adapter":
            return (
                f"load it with --lora-adapters <name>={kw.get('adapter', '<path>')} "
                "(LORA_ADAPTERS) and send `model: <name>`, or merge it and serve the merged "
                "directory"
            )
        return self.generic_fix(topic, **kw)


# -- security and context (issue 12) -----------------------------------------------------------
API_KEY_SINCE = Fact(
    "2.3.0",
    "TGI has no API key before v2.3.0: `--api-key` [env API_KEY] was added to the launcher and "
    "router by PR #2315 (2024-07-29, first in v2.3.0)",
)

API_KEY = Fact(
    None,
    "no `--api-key` (env API_KEY): /generate, /v1/chat/completions, /v1/completions and "
    "/invocations answer every request (router/src/server.rs base_routes; the key, when set, "
    "guards exactly those routes)",
)

DTYPE_DEFAULT = Fact(
    "auto",
    "no `--dtype`: each model class picks its default (server/text_generation_server/models/"
    "__init__.py get_model; float16 for awq/gptq/exl2/marlin)",
)

MAX_TOTAL_TOKENS = Fact(
    "TGI uses it as given: the launcher defaults `--max-total-tokens` to "
    "min(VRAM, max_position_embeddings) but does not cap a value set above it, so requests may "
    "run past the positions the model was trained on",
    "launcher/src/main.rs (max_total_tokens default: min(max_allocatable, "
    "max_position_embeddings))",
)


ENGINE_IMPL = TGI()
