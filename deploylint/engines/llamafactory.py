"""LLaMA-Factory: `llamafactory-cli api|chat|webchat|export|train|webui|eval` command lines.

`llamafactory-cli COMMAND CONFIG.yaml [key=value ...]` reads a YAML (or JSON) file; without one the
arguments are `--key value` options of transformers' HfArgumentParser over LLaMA-Factory's
dataclasses. Sources: hiyouga/LLaMA-Factory src/llamafactory/cli.py, launcher.py,
hparams/parser.py (``read_args``), api/app.py (``run_api``) at tags v0.7.1..v0.9.5 and HEAD
ff6d4d12eeb0 (2026-08-18); the options are the fields of hparams/model_args.py, data_args.py,
finetuning_args.py and generating_args.py at HEAD (``_INFER_ARGS``; training adds transformers'
Seq2SeqTrainingArguments, not listed). HfArgumentParser (transformers hf_argparser.py): each
field is ``--field_name`` and ``--field-name``; a bool takes an optional value (``nargs="?"``,
bare = true) and a bool defaulting to True also gets ``--no_field``; argparse prefixes work. Each
other fact carries its source.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..launch_details import LlamaFactoryArgs, training_of
from . import Fact, fact_at, registry
from .base import Engine, na
from .cli import ArgOcc, OptionTable, OptSpec, ParsedArgs, Token, python_module
from .registry import ArgparseOptionTable

ENGINE = "llamafactory"
COMMANDS = ("api", "chat", "webchat", "export", "train", "webui", "eval")
FORMS = {c: f"llamafactory-cli {c}" for c in COMMANDS}
API_FORM = FORMS["api"]

_CONFIG = re.compile(r"\.(ya?ml|json)$", re.I)
_OVERRIDE = re.compile(r"^([A-Za-z_][\w.]*)=(.*)$", re.S)


def recognize(words: list[Token]) -> tuple[str, int] | None:
    """`llamafactory-cli COMMAND ...`, `lmf COMMAND ...` (console script since v0.9.0) and
    `python -m llamafactory.cli COMMAND ...` (cli.py runs main())."""
    if not words:
        return None
    first = words[0].text
    base = first.rsplit("/", 1)[-1]
    i = None
    if base in ("llamafactory-cli", "lmf"):
        i = 1
    else:
        hit = python_module(words)
        if hit is not None and hit[0] in ("llamafactory.cli", "llmtuner.cli"):
            i = hit[1]
    if i is None or i >= len(words):
        return None
    cmd = words[i].text
    if cmd in FORMS:
        return FORMS[cmd], i + 1
    return None


_VALUE_FIELDS = """
adapter_folder adapter_name_or_path add_special_tokens add_tokens additional_target apollo_proj
apollo_proj_type apollo_rank apollo_scale apollo_scale_type apollo_target apollo_update_interval
asft_alpha audio_sampling_rate badam_mask_mode badam_mode badam_start_block
badam_switch_interval badam_switch_mode badam_update_ratio badam_verbose buffer_size cache_dir
compute_dtype cutoff_len dataset dataset_dir default_system device_map dpo_label_smoothing
eaft_alpha early_stopping_steps eval_dataset eval_num_beams export_device export_dir
export_hub_model_id export_quantization_bit export_quantization_dataset
export_quantization_maxlen export_quantization_nsamples export_size finetuning_type flash_attn
freeze_extra_modules freeze_trainable_layers freeze_trainable_modules galore_proj_type
galore_rank galore_scale galore_target galore_update_interval hf_hub_token hyper_parallel_args
hyper_parallel_cp_size image_max_pixels image_min_pixels infer_backend infer_dtype
init_special_tokens interleave_probs kt_cpu_activation kt_expert_checkpoint_path
kt_lora_expert_intermediate_size kt_lora_expert_num kt_non_expert_weight_path kt_weight_path
kto_chosen_weight kto_rejected_weight ld_alpha length_penalty lora_alpha lora_dropout lora_rank
lora_target loraplus_lr_embedding loraplus_lr_ratio max_length max_new_tokens max_samples
media_dir megatron_bridge_args mix_strategy mixture_of_depths model_max_length
model_name_or_path model_revision module_dropout moe_aux_loss_coef ms_hub_token
new_special_tokens_config num_beams offload_folder oft_block_size oft_rank oft_target
om_hub_token pissa_iter ppo_buffer_size ppo_epochs ppo_target pref_bco_weight pref_beta pref_ftx
pref_loss preprocessing_batch_size preprocessing_num_workers quantization_bit
quantization_device_map quantization_method quantization_type ref_model ref_model_adapters
ref_model_quantization_bit repetition_penalty reward_model reward_model_adapters
reward_model_quantization_bit reward_model_type rope_scaling sglang_config sglang_lora_backend
sglang_maxlen sglang_mem_fraction sglang_tp_size simpo_gamma stage swanlab_api_key
swanlab_lark_secret swanlab_lark_webhook_url swanlab_logdir swanlab_mode swanlab_project
swanlab_run_name swanlab_workspace temperature template tokenized_path tool_format top_k top_p
val_size video_fps video_max_pixels video_maxlen video_min_pixels vllm_config vllm_gpu_util
vllm_max_lora_rank vllm_maxlen
"""
_BOOL_FIELDS = """
apollo_layerwise apollo_scale_front block_diag_attn compute_accuracy create_new_adapter
crop_to_patches data_shared_file_system disable_gradient_checkpointing disable_shuffling
enable_liger_kernel eval_on_each_dataset export_legacy_format freeze_language_model
galore_layerwise image_do_pan_and_scan include_effective_tokens_per_second kt_use_lora_experts
mask_history neat_packing overwrite_cache packing pissa_convert pissa_init plot_loss
ppo_score_norm ppo_whiten_rewards preserve_thinking print_param_status pure_bf16 resize_vocab
shift_attn split_special_tokens streaming train_from_scratch train_on_prompt trust_remote_code
upcast_layernorm upcast_lmhead_output use_adam_mini use_apollo use_asft_loss use_audio_in_video
use_badam use_dft_loss use_dora use_eaft_loss use_galore use_hyper_parallel use_kt use_llama_pro
use_mca use_megatron_bridge use_muon use_rslora use_swanlab use_unsloth use_unsloth_gc
use_v1_kernels vllm_enforce_eager
"""
# bools that default to True: `--no_<field>` turns them off
_BOOL_TRUE_FIELDS = """
do_sample double_quantization enable_thinking freeze_multi_modal_projector freeze_vision_tower
ignore_pad_token_for_loss low_cpu_mem_usage skip_special_tokens use_fast_tokenizer use_kv_cache
use_reentrant_gc
"""


def _specs() -> list[OptSpec]:
    specs = [OptSpec("--" + f.replace("_", "-")) for f in _VALUE_FIELDS.split()]
    specs += [OptSpec("--" + f.replace("_", "-"), "optional") for f in _BOOL_FIELDS.split()]
    specs += [
        OptSpec("--" + f.replace("_", "-"), "optional", negatable=True)
        for f in _BOOL_TRUE_FIELDS.split()
    ]
    return specs


SPECS = _specs()


@lru_cache(maxsize=4)
def option_table(version: str | None = None) -> OptionTable:
    return ArgparseOptionTable(list(SPECS), underscores=True)


# Variables run_api reads (src/llamafactory/api/app.py); env-only, named after the variable.
ENV_OPTIONS = {
    name: OptSpec(name.lower())
    for name in ("API_HOST", "API_PORT", "API_KEY", "API_MODEL_NAME", "FASTAPI_ROOT_PATH")
}

# -- behaviour by version ------------------------------------------------------------------

CLI_SINCE = Fact(
    "0.7.1",
    "console script `llamafactory-cli = llmtuner.cli:main` first in v0.7.1 (setup.py), "
    "`llamafactory.cli:main` from v0.8.0; the `lmf` alias from v0.9.0 (setup.py "
    "get_console_scripts)",
)

CONFIG_ARGS = [
    Fact(
        "only argument",
        "a YAML/JSON config is read only when it is the only argument: "
        "`len(sys.argv) == 2 and sys.argv[1].endswith('.yaml')` (hparams/parser.py @ "
        "v0.7.1..v0.9.2; `.yml` accepted from v0.9.1); with more arguments everything goes to "
        "HfArgumentParser, which rejects the file name",
        until="0.9.3",
    ),
    Fact(
        "first argument, key=value overrides",
        "read_args: a first argument ending in .yaml/.yml/.json is loaded with OmegaConf and the "
        "rest are `key=value` overrides merged over it (OmegaConf.from_cli; commit 416853dd2, "
        "PR #7793, v0.9.3; hparams/parser.py @ HEAD)",
        since="0.9.3",
    ),
]

API_DEFAULTS = Fact(
    {"api_host": "0.0.0.0", "api_port": "8000", "api_model_name": "gpt-3.5-turbo"},
    "run_api: host API_HOST (default 0.0.0.0), port API_PORT (default 8000), optional bearer "
    "API_KEY; /v1/models lists API_MODEL_NAME (default gpt-3.5-turbo, v0.9.0+) "
    "(src/llamafactory/api/app.py @ v0.7.1..HEAD)",
)

API_ROUTES = Fact(
    ("/v1/models", "/v1/chat/completions", "/v1/score/evaluation"),
    "`llamafactory-cli api` is a FastAPI server with OpenAI-style routes (api/app.py @ HEAD)",
)

IMAGE = Fact(
    None,
    "hiyouga/llamafactory images have no ENTRYPOINT and set ENV API_PORT=8000 "
    "(docker/docker-cuda/Dockerfile @ HEAD)",
)

GENERATING_DEFAULTS = Fact(
    {
        "do_sample": True,
        "temperature": 0.95,
        "top_p": 0.7,
        "top_k": 50,
        "max_new_tokens": 1024,
        "repetition_penalty": 1.0,
    },
    "GeneratingArguments defaults (hparams/generating_args.py)",
)


def image_entrypoint(version: str | None) -> None:
    return None


def config_token(args: ParsedArgs, form: str = "") -> Token | None:
    """The YAML/JSON config of the command line (its first argument)."""
    if args.positionals and _CONFIG.search(args.positionals[0].text):
        return args.positionals[0]
    return None


def _overrides(args: ParsedArgs, table: OptionTable) -> None:
    """`key=value` words after the config become option occurrences (as OmegaConf merges them)."""
    keep: list[Token] = []
    for i, tok in enumerate(args.positionals):
        m = _OVERRIDE.match(tok.text)
        if i == 0 or m is None:
            keep.append(tok)
            continue
        key = m.group(1)
        spec, _ = table.lookup("--" + key)
        dest = spec.dest if spec else key.replace("-", "_")
        occ = ArgOcc(spec, tok, inline=True)
        occ.values.append(Token(m.group(2), _suffix(tok, len(key) + 1), tok.resolved, tok.origin))
        args.options.setdefault(dest, []).append(occ)
        if spec is None:
            args.unknown.append(occ)
    args.positionals[:] = keep


def _suffix(tok: Token, offset: int):
    from ..location import Loc

    loc = tok.loc
    if loc.line is None or loc.col is None or loc.end_line != loc.line or loc.end_col is None:
        return loc
    return Loc(
        loc.path, loc.line, loc.col + offset, loc.line, max(loc.end_col, loc.col + offset + 1)
    )


def options_from_env(args: ParsedArgs, env: dict, table: OptionTable, ctx) -> None:
    """`key=value` overrides become options; `api` reads API_HOST/API_PORT/API_KEY/API_MODEL_NAME.
    The config token goes to ``LlamaFactoryArgs.config_path`` (for the linker to read the YAML)."""
    if config_token(args) is not None:
        _overrides(args, table)
    form = registry.current_form(args, ctx, ENGINE)
    if form in (None, API_FORM):
        registry.add_env_options(args, env, ctx, ENV_OPTIONS)
    cfg = config_token(args)
    if cfg is not None:
        registry.set_launch_details(ctx, engine_args=LlamaFactoryArgs(config_path=cfg))


def model_token(args: ParsedArgs, form: str = API_FORM, version: str | None = None):
    """(token, text, is_default, note): `model_name_or_path` from the command line (the YAML's
    is read by the linker through ``config_path``)."""
    occ = args.last("model_name_or_path")
    if occ is not None and occ.values:
        return occ.values[0], occ.values[0].text, False, ""
    return None, None, False, ""


def adapters(args: ParsedArgs) -> list[Token]:
    """`adapter_name_or_path` (comma-separated list allowed)."""
    return args.values("adapter_name_or_path")


def listen(args: ParsedArgs, form: str = API_FORM, version: str | None = None):
    d = API_DEFAULTS.value
    return args.value("api_host") or d["api_host"], args.value("api_port") or d["api_port"]


def chat_endpoint(form: str) -> str | None:
    return "/v1/chat/completions" if form == API_FORM else None


def _prompting(linked, launch, version):
    from ..templates import resolve as R

    run = training_of(launch)
    occ = launch.args.last("template")
    name = occ.value if occ is not None else (run.get("template") if run else None)
    if not name:
        return R.Prompting("llamafactory", version, "unknown", "no `template` given")
    loc = occ.loc if occ is not None else None
    if loc is None and run is not None and "template" in run.keys:
        loc = run.keys["template"].loc
    default_system = launch.args.value("default_system") or (
        run.get("default_system") if run else None
    )
    md = launch.model.directory if launch.model else None
    return R.lf_prompting(
        str(name),
        version,
        default_system,
        md,
        loc,
        tokens=R.launch_special_tokens(launch) if md is None else None,
    )


SERVING_COMMANDS = ("api", "chat", "webchat")

LF_VLLM_MAX_LORA_RANK = Fact(
    32,
    "LLaMA-Factory ModelArguments.vllm_max_lora_rank defaults to 32 (src/llamafactory/hparams/"
    "model_args.py; LlamaFactory issue #9512)",
)


def _setting(launch, key: str):
    """A value from the command line (`key=value` overrides, env) or the YAML it reads, with its
    location: (value, loc, source) or None."""
    occ = launch.args.last(key)
    if occ is not None and occ.values:
        return occ.values[0].text, occ.loc, f"`{key}` on the command line"
    run = training_of(launch)
    if run is not None and key in run.keys:
        v = run.keys[key]
        return v.value, v.loc, f"`{key}` in {run.loc.path.name}"
    return None


def _number(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and len(v) < 40:
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _truthy(v) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        t = v.strip().lower()
        if t in ("true", "1", "yes", "on"):
            return True
        if t in ("false", "0", "no", "off"):
            return False
    return None


class LlamaFactory(Engine):
    """LLaMA-Factory's `llamafactory-cli` (api/chat/webchat serve; train/export/eval do not)."""

    name = ENGINE
    display = "LLaMA-Factory"
    packages = ("llamafactory", "llmtuner")
    forms = tuple(FORMS.values())

    def recognize(self, words):
        return recognize(words)

    def option_table(self, version, form=None):
        return option_table(version)

    def options_from_env(self, args, env, table, ctx) -> None:
        options_from_env(args, env, table, ctx)

    def image_entrypoint(self, version):
        return na(IMAGE.source)

    def apply_config_file(self, linked, launch):
        """`llamafactory-cli api cfg.yaml`: the YAML's keys, command-line overrides first."""
        lf = launch.args_of(LlamaFactoryArgs)
        tok = lf.config_path if lf is not None else None
        if lf is None or tok is None or not getattr(tok, "resolved", True):
            return None
        path = linked.local_path(launch, tok.text)
        if path is None:
            return None
        run = linked.training_at(path)
        if run is not None:
            lf.training = run
            return path
        return None

    def serves(self, launch) -> bool:
        return launch.form in tuple(FORMS[c] for c in SERVING_COMMANDS)

    def model_arg(self, launch):
        from .base import ModelArg

        tok, text, is_default, note = model_token(launch.args, launch.form)
        if text is not None:
            return ModelArg(tok, text, is_default, note)
        run = training_of(launch)
        if run is not None and "model_name_or_path" in run.keys:
            v = run.keys["model_name_or_path"]
            if isinstance(v.value, str):
                t = Token(v.value, v.loc, v.resolved)
                return ModelArg(t, t.text)
        return ModelArg(None, None)

    def tokenizer_arg(self, launch):
        return na("LLaMA-Factory loads the tokenizer from model_name_or_path")

    def served_names(self, launch):
        occ = launch.args.last("api_model_name")
        if occ is not None and occ.values:
            return [(occ.values[0].text, occ.values[0].loc)]
        return []

    def adapters(self, launch):
        from .base import Adapter

        toks = list(adapters(launch.args))
        run = training_of(launch)
        if not toks and run is not None and "adapter_name_or_path" in run.keys:
            v = run.keys["adapter_name_or_path"]
            if isinstance(v.value, str):
                toks = [Token(v.value, v.loc, v.resolved)]
        out = []
        for t in toks:
            for part in t.text.split(","):
                if part.strip():
                    ptok = Token(part.strip(), t.loc, t.resolved, t.origin)
                    out.append(Adapter("default", ptok, "adapter_name_or_path"))
        return out

    def adapter_loading(self, launch):
        from .base import AdapterLoading, RankLimit

        backend = _setting(launch, "infer_backend")
        limit = None
        if backend is not None and str(backend[0]).lower() == "vllm":
            s = _setting(launch, "vllm_max_lora_rank")
            n = _number(s[0]) if s is not None else None
            if s is not None and n is not None and n == int(n):
                limit = RankLimit(
                    int(n), f"vllm_max_lora_rank {int(n)}", "vllm_max_lora_rank", s[1]
                )
            else:
                limit = RankLimit(
                    LF_VLLM_MAX_LORA_RANK.value,
                    LF_VLLM_MAX_LORA_RANK.source,
                    "vllm_max_lora_rank",
                )
        return AdapterLoading(
            problem=None,
            peft_types=None,
            peft_types_source="LLaMA-Factory applies adapters with PEFT when it loads the model",
            rank_limit=limit,
        )

    def listen(self, launch):
        from .base import Listen

        if launch.form != API_FORM:
            return na(f"`{launch.form}` serves no OpenAI-style endpoint")
        host, port = listen(launch.args, launch.form)
        return Listen(host, port, API_DEFAULTS.source)

    def chat_route(self, launch):
        return chat_endpoint(launch.form)

    def sampling_defaults(self, linked, launch, model):
        """The YAML's generating arguments are the defaults of every request the HF engine
        answers (GeneratingArguments; a request's own values override them)."""
        from .base import Setting

        d = GENERATING_DEFAULTS.value
        do_sample = _setting(launch, "do_sample")
        temp = _setting(launch, "temperature")
        if do_sample is not None and _truthy(do_sample[0]) is False:
            return {
                "temperature": Setting(
                    0.0, f"{do_sample[2]} = false: greedy decoding", do_sample[1]
                )
            }
        if temp is not None:
            n = _number(temp[0])
            if n is not None:
                return {"temperature": Setting(n, temp[2], temp[1])}
        return {"temperature": Setting(d["temperature"], GENERATING_DEFAULTS.source, None)}

    def stop_set(self, linked, launch, md):
        return na("LLaMA-Factory stops on its template's stop words (not modelled)")

    def prompting(self, linked, launch):
        return _prompting(linked, launch, self.version_of(launch))

    def remote_code(self, launch):
        from .base import RemoteCode

        s = _setting(launch, "trust_remote_code")
        if s is not None and _truthy(s[0]):
            return RemoteCode(True, s[2], s[1])
        return RemoteCode(False, "trust_remote_code not set")

    # -- security and context (issue 12: DPL601, DPL602, DPL502, DPL503, DPL205) -------------
    def bind_address(self, launch):
        from .base import Setting

        if launch.form != API_FORM:
            return na(f"`{launch.form}` serves no OpenAI-style endpoint")
        occ = launch.args.last("api_host")
        if occ is not None and occ.values:
            tok = occ.values[0]
            if not tok.resolved:
                return Setting(None, "API_HOST from a value the scan cannot see", occ.loc)
            return Setting(tok.text, f"API_HOST={tok.text}", occ.loc)
        return Setting(API_DEFAULTS.value["api_host"], API_DEFAULTS.source, None)

    def auth(self, launch):
        from .common import keys_auth

        if launch.form != API_FORM:
            return na(f"`{launch.form}` serves no OpenAI-style endpoint")
        return keys_auth(
            launch, "api_key", "API_KEY", none_source="no API_KEY", basis=API_KEY.source
        )

    def dtype(self, launch):
        from .base import Setting
        from .common import normal_dtype

        s = _setting(launch, "infer_dtype")
        if s is not None and isinstance(s[0], str):
            return Setting(normal_dtype(s[0]), f"`infer_dtype: {s[0]}` ({s[2]})", s[1])
        return Setting("auto", INFER_DTYPE.source, None)

    def refuses_float16(self, launch):
        return {}

    def context_length(self, launch):
        from .base import ContextLength

        backend = _setting(launch, "infer_backend")
        if backend is None or str(backend[0]).lower() != "vllm":
            return na("LLaMA-Factory's Hugging Face engine has no context window setting")
        s = _setting(launch, "vllm_maxlen")
        if s is not None:
            n = _number(s[0])
            if n is not None and n > 0:
                return ContextLength(
                    int(n),
                    f"`vllm_maxlen: {s[0]}` ({s[2]})",
                    s[1],
                    "vllm_maxlen",
                    above_positions=VLLM_MAXLEN.value,
                    refuses_above=True,
                )
        return ContextLength(
            4096,
            VLLM_MAXLEN.source,
            None,
            "vllm_maxlen",
            default=True,
            above_positions=VLLM_MAXLEN.value,
            refuses_above=True,
        )

    # -- multimodal (issue 12: DPL701, DPL702) -----------------------------------------------
    def image_limits(self, launch):
        return _image_limits(launch, self.version_of(launch))

    def training_image_limits(self, run):
        return _training_image_limits(run)

    # -- tool calls and reasoning (issue 13: DPL801-DPL804) ----------------------------------
    def tool_calling(self, launch, family):
        from .base import na

        return na("LLaMA-Factory runs in-process: tool calls are whatever the calling code parses")

    def reasoning(self, launch, family, prompt_think):
        from .base import na

        return na(
            "LLaMA-Factory returns the generated text; separating thoughts is the caller's job"
        )

    def chat_template_kwargs(self, launch):
        from .base import na

        return na("LLaMA-Factory: template variables are arguments of the call itself")

    # -- releases and settings (DPL504, DPL505) and offline generation (DPL206, DPL104) ------
    def architecture_support(self, launch, arch):
        return na("LLaMA-Factory loads models through transformers or vLLM, whose pins decide")

    def settings_not_read(self, launch):
        return na("LLaMA-Factory's keys by version are not modelled")

    def output_budget(self, linked, launch, call):
        return na("LLaMA-Factory's API defaults are not modelled")

    def prompt_special_tokens(self, launch, call):
        return na("LLaMA-Factory renders its own templates")

    # -- wording -----------------------------------------------------------------------------
    def fix(self, topic, **kw):
        if topic == "missing-chat-template":
            return "set `template:` to the template the model was trained with"
        if topic == "load-adapter":
            return (
                f"set adapter_name_or_path: {kw.get('adapter', '<path>')} in the inference "
                "config, or export (merge) it and serve the merged directory"
            )
        return self.generic_fix(topic, **kw)


# -- security and context (issue 12) -----------------------------------------------------------
API_KEY = Fact(
    None,
    "no API_KEY: `llamafactory-cli api` answers every request (src/llamafactory/api/app.py checks "
    "the bearer token only when API_KEY is set)",
)

INFER_DTYPE = Fact(
    "auto",
    "`infer_dtype` default `auto` (src/llamafactory/hparams/model_args.py): the checkpoint's dtype",
)

VLLM_MAXLEN = Fact(
    "vLLM refuses a max_model_len above the model's positions (see `--max-model-len`)",
    "`vllm_maxlen` default 4096 (src/llamafactory/hparams/model_args.py), passed to vLLM as "
    "max_model_len",
)


ENGINE_IMPL = LlamaFactory()


# -- multimodal (issue 12: DPL701, DPL702) ---------------------------------------------------

IMAGE_MAX_PIXELS = [
    Fact(
        None,
        "before v0.9.2 the image bound was `image_resolution` (src/llamafactory/hparams/"
        "model_args.py @ v0.9.1; not modelled)",
        until="0.9.2",
    ),
    Fact(
        768 * 768,
        "ModelArguments.image_max_pixels defaults to 768 * 768, and mm_plugin._preprocess_image "
        "shrinks every image to at most that many pixels before the model's processor runs "
        "(src/llamafactory/hparams/model_args.py, data/mm_plugin.py @ v0.9.2..v0.9.5)",
        since="0.9.2",
    ),
]
IMAGE_MIN_PIXELS = [
    Fact(None, "before v0.9.2: no image_min_pixels (model_args.py @ v0.9.1)", until="0.9.2"),
    Fact(
        32 * 32,
        "ModelArguments.image_min_pixels defaults to 32 * 32; smaller images are enlarged "
        "(model_args.py, data/mm_plugin.py @ v0.9.2..v0.9.5)",
        since="0.9.2",
    ),
]
VLLM_MAXLEN = Fact(
    4096,
    "ModelArguments.vllm_maxlen defaults to 4096 and is vLLM's max_model_len in the vllm "
    "backend (model_args.py, chat/vllm_engine.py @ v0.9.1..v0.9.5)",
)
VLLM_IMAGES = [
    Fact(None, "before v0.9.2 the vllm backend set no limit_mm_per_prompt", until="0.9.2"),
    Fact(
        4,
        "the vllm backend passes limit_mm_per_prompt {'image': 4, ...} for multimodal templates "
        "(chat/vllm_engine.py @ v0.9.2..v0.9.5)",
        since="0.9.2",
    ),
]


def _pixel_setting(got, facts: list[Fact], version: str | None, key: str):
    """(a Setting for `key`, or None) from an explicit value, else the version's default."""
    from .base import Setting

    if got is not None:
        value, loc, source = got
        n = _number(value)
        if n is not None and n == int(n) and n > 0:
            return Setting(int(n), f"{source} = {int(n)}", loc)
        return None
    f = fact_at(facts, version)
    if f.value is None:
        return None
    note = "" if version else " (version unknown; the newest known default assumed)"
    return Setting(f.value, f"LLaMA-Factory's default {key} {f.value}{note}: {f.source}", None)


def _image_limits(launch, version):
    from .base import Setting
    from .multimodal import ImageLimits

    mx = _pixel_setting(
        _setting(launch, "image_max_pixels"), IMAGE_MAX_PIXELS, version, "image_max_pixels"
    )
    mn = _pixel_setting(
        _setting(launch, "image_min_pixels"), IMAGE_MIN_PIXELS, version, "image_min_pixels"
    )
    per = ctx = None
    backend = _setting(launch, "infer_backend")
    if backend is not None and str(backend[0]).lower() == "vllm":
        got = _setting(launch, "vllm_maxlen")
        n = _number(got[0]) if got is not None else None
        if got is not None and n is not None and n == int(n):
            ctx = Setting(int(n), f"{got[2]} = {int(n)}", got[1])
        else:
            ctx = Setting(VLLM_MAXLEN.value, VLLM_MAXLEN.source, None)
        f = fact_at(VLLM_IMAGES, version)
        if f.value is not None:
            per = Setting(f.value, f.source, None)
    return ImageLimits(
        max_pixels=mx,
        min_pixels=mn,
        resizes_first=True,
        pixels_default="LLaMA-Factory's image_max_pixels",
        per_prompt=per,
        context=ctx,
        pixels_option="image_max_pixels: N",
        context_option="vllm_maxlen",
    )


def _training_image_limits(run):
    from .multimodal import ImageLimits

    if run.role not in ("train", "predict"):
        return na(f"a LLaMA-Factory {run.role} run does not preprocess training images")
    version = run.version.version if run.version is not None else None

    def got(key):
        v = run.keys.get(key)
        return (v.value, v.loc, f"`{key}` in {run.loc.path.name}") if v is not None else None

    return ImageLimits(
        max_pixels=_pixel_setting(
            got("image_max_pixels"), IMAGE_MAX_PIXELS, version, "image_max_pixels"
        ),
        min_pixels=_pixel_setting(
            got("image_min_pixels"), IMAGE_MIN_PIXELS, version, "image_min_pixels"
        ),
        resizes_first=True,
        pixels_default="LLaMA-Factory's image_max_pixels",
        pixels_option="image_max_pixels: N",
    )
