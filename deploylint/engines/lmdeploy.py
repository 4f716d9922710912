"""LMDeploy: `lmdeploy serve api_server` / `lmdeploy chat` command lines and behaviour by version.

Option tables: every option of `lmdeploy serve api_server` (``SubCliServe.add_parser_api_server``
in lmdeploy/cli/serve.py) and `lmdeploy chat` (``CLI.add_parser_chat`` in lmdeploy/cli/cli.py),
with the ``ArgumentHelper`` options they add (lmdeploy/cli/utils.py), read statically at every
release tag of InternLM/lmdeploy from v0.2.0 (api_server) / v0.3.0 (chat) to v0.16.0 (HEAD
1263d5cd889b, 2026-08-21). ``@SINCE..UNTIL`` is the release range [SINCE, UNTIL) an option exists
in; no range: every release the table covers. Each other fact carries its source.
"""

from __future__ import annotations

from functools import lru_cache

from . import Fact, fact_at, registry
from .base import Engine, na
from .cli import OptionTable, ParsedArgs, Token, program, python_module
from .registry import ArgparseOptionTable, parse_option_table

ENGINE = "lmdeploy"
API_SERVER_FORM = "lmdeploy serve api_server"
CHAT_FORM = "lmdeploy chat"


def recognize(words: list[Token]) -> tuple[str, int] | None:
    """`lmdeploy serve api_server`, `lmdeploy chat`, also as `python -m lmdeploy ...`
    (lmdeploy/__main__.py runs the same CLI; console script ``lmdeploy = lmdeploy.cli:run``)."""
    if not words:
        return None
    hit = python_module(words)
    if program(words) == "lmdeploy":
        i = 1
    elif hit is not None and hit[0] == "lmdeploy":
        i = hit[1]
    else:
        return None
    if i < len(words) and words[i].text == "chat":
        return CHAT_FORM, i + 1
    if i + 1 < len(words) and words[i].text == "serve" and words[i + 1].text == "api_server":
        return API_SERVER_FORM, i + 2
    return None


# api_server options (positional: model_path)
_API_SERVER = """
multi --adapters@0.3.0..
flag --allow-credentials
multi --allow-headers
multi --allow-methods
multi --allow-origins
flag --allow-terminate-by-client@0.9.0..
multi --allowed-media-domains@0.15.0..
multi --api-keys@0.2.2..
value --async@0.12.0..
value --backend
value --cache-block-seq-len@0.3.0..
value --cache-max-entry-count
value --cap@..0.6.0
value --chat-template@0.2.6..
value --communicator@0.7.2..
value --cp@0.11.0..
multi --cudagraph-capture-batch-sizes@0.14.0..
value --device@0.6.0..
flag --disable-fastapi-docs@0.6.2..
flag --disable-metrics@0.11.0..
flag --disable-vision-encoder@0.9.2..0.15.0
value --dist-init-addr@0.12.0..
value --distributed-executor-backend@0.11.0..
value --dllm-block-length@0.10.1..
value --dllm-confidence-threshold@0.10.1..
value --dllm-denoising-steps@0.10.1..
value --dllm-unmasking-strategy@0.10.1..
value --download-dir@0.5.0..
value --dp-rank@0.8.0..0.9.0
value --dp@0.8.0..
value --dtype@0.6.1..
flag --eager-mode@0.6.2..
flag --enable-abort-handling@0.11.0..
flag --enable-eplb@0.9.0..
flag --enable-metrics@0.9.2..0.11.0
flag --enable-microbatch@0.8.0..
flag --enable-prefix-caching@0.4.2..
flag --enable-return-routed-experts@0.11.0..
value --ep@0.8.0..
value --generation-config@0.15.0..
value --hf-overrides@0.9.2..
value --kernel-block-size@0.13.0..
flag --language-model-only@0.15.0..
value --log-level
value --logprobs-mode@0.10.0..
value --max-batch-size
value --max-concurrent-requests@0.7.0.post3..
value --max-log-len@0.6.1..
value --max-prefill-iters@0.4.0..
value --max-prefill-token-num@0.6.0..
value --meta-instruction@..0.6.0
value --migration-backend@0.9.0..
value --model-format
value --model-name
value --nnodes@0.9.0..
value --node-rank@0.9.0..
value --num-tokens-per-iter@0.4.0..
value --prefix-cache-decode-state-interval@0.14.0..
value --prefix-cache-state-budget@0.14.0..
value --proxy-url@0.6.1..
value --qos-config-path@..0.6.0
value --quant-policy
value --reasoning-parser@0.7.2..
value --revision@0.5.0..
value --role@0.9.0..
value --rope-scaling-factor
value --server-name
value --server-port
value --session-len
value --speculative-algorithm@0.11.0..
value --speculative-draft-model@0.11.0..
value --speculative-num-draft-tokens@0.11.0..
flag --ssl@0.2.2..
value --tool-call-parser@0.7.2..
value --tp
flag --trust-remote-code@0.13.0..
value --vision-max-batch-size@0.4.2..
"""

# chat options (positional: model_path)
_CHAT = """
multi --adapters
value --async@0.12.0..
value --backend
value --cache-max-entry-count
value --cap@..0.6.0
value --chat-template@0.4.2..
value --communicator@0.7.2..
value --cp@0.11.0..
value --device@0.6.0..
value --dllm-block-length@0.10.1..
value --download-dir@0.5.0..
value --dtype@0.6.1..
flag --eager-mode@0.6.2..
flag --enable-prefix-caching@0.4.2..
flag --language-model-only@0.15.0..
value --max-batch-size@..0.5.0
value --meta-instruction@..0.6.0
value --model-format
value --model-name@..0.6.0
value --prefix-cache-decode-state-interval@0.14.0..
value --prefix-cache-state-budget@0.14.0..
value --quant-policy
value --revision@0.5.0..
value --rope-scaling-factor
value --session-len
value --speculative-algorithm@0.11.0..
value --speculative-draft-model@0.11.0..
value --speculative-num-draft-tokens@0.11.0..
value --tp
flag --trust-remote-code@..0.6.0;0.13.0..
"""

API_SERVER_SPECS, API_SERVER_RANGES = parse_option_table(_API_SERVER)
CHAT_SPECS, CHAT_RANGES = parse_option_table(_CHAT)


@lru_cache(maxsize=4)
def option_table(version: str | None = None) -> OptionTable:
    """Both forms' options (a union: the chat options are a subset apart from ones that exist in
    both). LMDeploy's parser is argparse, so unambiguous prefixes work; since v0.9.2 the top-level
    parser is a FlexibleArgumentParser that turns ``--server_port`` into ``--server-port``."""
    specs = list(API_SERVER_SPECS)
    have = {s.name for s in specs}
    specs += [s for s in CHAT_SPECS if s.name not in have]
    return ArgparseOptionTable(specs, underscores=True)


def option_available(name: str, version: str | None, form: str = API_SERVER_FORM) -> bool | None:
    """Whether ``--name`` exists in ``form`` at ``version`` (None: not known)."""
    ranges = CHAT_RANGES if form == CHAT_FORM else API_SERVER_RANGES
    return registry.option_available(ranges, name, version)


# -- behaviour by version ------------------------------------------------------------------

DEFAULT_BACKEND = Fact(
    "turbomind",
    "`--backend` defaults to turbomind (lmdeploy/cli/utils.py ArgumentHelper.backend); unless it "
    "is `pytorch`, `api_server()` calls `autoget_backend()`, which switches to pytorch only when "
    "TurboMind cannot run the model (lmdeploy/cli/serve.py @ v0.16.0)",
)

ADAPTERS_NEED_PYTORCH = Fact(
    True,
    "`--adapters` is built into PytorchEngineConfig(adapters=...) only in the `backend == "
    "'pytorch'` branch of `api_server()`; with the default TurboMind backend they are silently "
    "dropped (lmdeploy/cli/serve.py at v0.9.2 and HEAD v0.16.0)",
)

ADAPTERS_FORMAT = Fact(
    "PATH | NAME=PATH ...",
    "`--adapters` (nargs='*'): one value `path` is named `default`; several must be `name=path` "
    '("Multiple lora paths must in format of xxx=yyy", get_lora_adapters in lmdeploy/cli/utils.py '
    "@ v0.16.0)",
)

DEFAULT_PORT = 23333
DEFAULT_HOST = "0.0.0.0"

SERVER_PORT_DEFAULT = [
    Fact(
        23333,
        "`--server-port` default 23333 (lmdeploy/cli/serve.py @ v0.2.0..v0.14.0)",
        until="0.15.0",
    ),
    Fact(
        None,
        '`--server-port` default None since v0.15.0: "Effective default is 23333 when unset. In DP '
        'mode with --proxy-url, ports are auto-selected unless this flag is explicitly set." '
        "(lmdeploy/cli/serve.py @ v0.15.0, v0.16.0)",
        since="0.15.0",
    ),
]

SERVER_NAME_DEFAULT = Fact("0.0.0.0", "`--server-name` default '0.0.0.0' (lmdeploy/cli/serve.py)")

MODEL_NAME_DEFAULT = Fact(
    "model_path",
    "without `--model-name` the served name is the model_path argument as written "
    "(lmdeploy/cli/entrypoint.py run(): `args.model_name = args.model_name if args.model_name "
    "else args.model_path`)",
)

TRUST_REMOTE_CODE = [
    Fact(
        True,
        "api_server has no `--trust-remote-code` before v0.13.0; configs and tokenizers are "
        "loaded with trust_remote_code=True hard-coded (e.g. lmdeploy/archs.py @ v0.9.2)",
        until="0.13.0",
    ),
    Fact(
        False,
        "`--trust-remote-code` (store_true, default False) added to api_server in v0.13.0 by "
        'commit 81be52961 "add explicit trust_remote_code controls" (InternLM/lmdeploy PR #4511; '
        "lmdeploy/cli/serve.py @ v0.13.0)",
        since="0.13.0",
    ),
]

CHAT_TRUST_REMOTE_CODE_FLAG = [
    Fact(
        "disables",
        "`lmdeploy chat --trust-remote-code` was action='store_false', default=True: giving the "
        "flag turned remote code OFF (ArgumentHelper.trust_remote_code in lmdeploy/cli/utils.py "
        "@ v0.3.0..v0.5.3)",
        since="0.3.0",
        until="0.6.0",
    ),
    Fact(
        "absent",
        "`lmdeploy chat` has no `--trust-remote-code` in v0.6.0..v0.12.x (lmdeploy/cli/cli.py)",
        since="0.6.0",
        until="0.13.0",
    ),
    Fact(
        "enables",
        "`lmdeploy chat --trust-remote-code` is store_true, default False since v0.13.0 "
        "(lmdeploy/cli/utils.py @ v0.13.0)",
        since="0.13.0",
    ),
]

GENERATION_CONFIG_DEFAULT = [
    Fact(
        None,
        "no `--generation-config` before v0.15.0 (lmdeploy/cli/serve.py @ v0.14.0)",
        until="0.15.0",
    ),
    Fact(
        "auto",
        "`--generation-config` added in v0.15.0, default 'auto': generation_config.json of the "
        "model is loaded; 'lmdeploy' ignores it; a folder path loads it from there "
        "(ArgumentHelper.generation_config, lmdeploy/cli/utils.py @ v0.15.0)",
        since="0.15.0",
    ),
]

UNDERSCORE_SPELLING = [
    Fact(
        False,
        "plain argparse before v0.9.2: `--server_port` is not `--server-port` (lmdeploy/cli/cli.py "
        "@ v0.9.1)",
        until="0.9.2",
    ),
    Fact(
        True,
        "the CLI parser is a FlexibleArgumentParser since v0.9.2 (commit cde5a5e4c): underscores "
        "in option names become dashes (lmdeploy/cli/utils.py, lmdeploy/cli/cli.py @ v0.9.2)",
        since="0.9.2",
    ),
]

CHAT_TEMPLATE_ARG = Fact(
    "name | JSON file",
    "`--chat-template` must be a built-in template name or the path of a JSON file "
    "(get_chat_template in lmdeploy/cli/utils.py asserts otherwise; an inline JSON string is not "
    "accepted by the CLI although the help says so)",
)


def server_port(args: ParsedArgs, version: str | None = None) -> tuple[int | str, str]:
    """The port `api_server` listens on and why."""
    v = args.value("server_port")
    if v is not None:
        return v, "--server-port"
    f = fact_at(SERVER_PORT_DEFAULT, version)
    return DEFAULT_PORT, f.source


def model_token(args: ParsedArgs, form: str, version: str | None = None):
    """(token, text, is_default, note) of the model: the positional model_path."""
    if args.positionals:
        t = args.positionals[0]
        return t, t.text, False, ""
    return None, None, False, "no model_path: LMDeploy exits with a usage error"


def served_names(args: ParsedArgs, form: str) -> list[Token]:
    occ = args.last("model_name")
    if occ is not None and occ.values:
        return [occ.values[0]]
    return args.positionals[:1]


def adapters(args: ParsedArgs) -> list[tuple[str, Token]]:
    """(name, path token) of each `--adapters` value (last occurrence wins: argparse nargs='*')."""
    occ = args.last("adapters")
    if occ is None:
        return []
    vals = occ.values
    if len(vals) == 1 and "=" not in vals[0].text:
        return [("default", vals[0])]
    out = []
    for v in vals:
        name, eq, _path = v.text.partition("=")
        out.append((name if eq else v.text, v))
    return out


def image_entrypoint(version: str | None) -> None:
    """`openmmlab/lmdeploy` images have no ENTRYPOINT (docker/Dockerfile @ v0.16.0): the command
    is the whole command line."""
    return None


def chat_endpoint(form: str) -> str | None:
    return "/v1/chat/completions" if form == API_SERVER_FORM else None


def _prompting(linked, launch, version):
    import json

    from ..templates import resolve as R
    from ..versions import Version
    from . import lmdeploy_templates as lt

    md = launch.model.directory if launch.model is not None else None
    occ, text, tok = R.chat_template_arg(launch)
    if occ is not None:
        body, path = linked.read_linked_text(launch, text)
        try:
            if body is not None:
                resolved = lt.load_chat_template_json(json.loads(body), version)
                where = f"--chat-template {text} (JSON)"
            else:
                resolved = lt.builtin_template(text, version)
                where = f"--chat-template {text} (built-in)"
        except Exception as e:  # noqa: BLE001
            return R.Prompting(
                "lmdeploy",
                version,
                "unknown",
                f"--chat-template {text}",
                occ.loc,
                notes=[f"cannot resolve: {e}"],
            )
        if resolved.uses_hf_template:
            return R.hf_or_unknown(
                "lmdeploy", version, md, where + " → the model's HF template", launch
            )
        return R.Prompting(
            "lmdeploy", version, "lmdeploy", where, occ.loc, form=R.LmdeployForm(resolved)
        )
    path_text = launch.model.ref if launch.model is not None else ""
    has_hf = None
    if md is not None:
        has_hf = R.hf_template(md) is not None
    choice = lt.match_template(
        path_text,
        version,
        model_name=launch.args.value("model_name"),
        hf_chat_template=has_hf,
        config=md.json("config.json") if md else None,
    )
    if choice.uses_hf_template:
        return R.hf_or_unknown(
            "lmdeploy", version, md, f"the model's HF template ({choice.reason})", launch
        )
    where = f"LMDeploy built-in template '{choice.name}' ({choice.reason})"
    if choice.fallback and choice.name == "base":
        v = Version.parse(choice.version or "0")
        if v is not None and v < Version.parse("0.10.0"):
            return R.Prompting(
                "lmdeploy",
                version,
                "none",
                where,
                failure=(
                    'LMDeploy answers chat requests with an error: "You are using base template to '
                    'handle chat task" (the path matches no built-in template)'
                ),
            )
        return R.Prompting(
            "lmdeploy",
            version,
            "lmdeploy",
            where,
            form=R.LmdeployForm(choice),
            silent=True,
            failure="messages are concatenated with no chat format",
        )
    return R.Prompting("lmdeploy", version, "lmdeploy", where, form=R.LmdeployForm(choice))


PIPELINE_FORM = "lmdeploy.pipeline"

PIPELINE_DO_SAMPLE = Fact(
    False,
    "LMDeploy GenerationConfig do_sample=False (the default): greedy decoding whatever the "
    "temperature (lmdeploy/messages.py GenerationConfig)",
)


class LMDeploy(Engine):
    """LMDeploy: `lmdeploy serve api_server`, `lmdeploy chat`, and `lmdeploy.pipeline`."""

    name = ENGINE
    display = "LMDeploy"
    packages = ("lmdeploy",)
    forms = (API_SERVER_FORM, CHAT_FORM, PIPELINE_FORM)

    def recognize(self, words):
        return recognize(words)

    def option_table(self, version, form=None):
        return option_table(version)

    def options_from_env(self, args, env, table, ctx) -> None:
        """LMDeploy reads no server option from the environment."""
        return None

    def image_entrypoint(self, version):
        return na(
            "openmmlab/lmdeploy images have no ENTRYPOINT (docker/Dockerfile @ v0.16.0): the "
            "command is the whole command line"
        )

    def apply_config_file(self, linked, launch):
        return na("LMDeploy reads no config file of options")

    def serves(self, launch) -> bool:
        return True

    def model_arg(self, launch):
        from .base import ModelArg

        tok, text, is_default, note = model_token(launch.args, launch.form)
        return ModelArg(tok, text, is_default, note)

    def tokenizer_arg(self, launch):
        return na("LMDeploy loads the tokenizer from the model path")

    def served_names(self, launch):
        return [(t.text, t.loc) for t in served_names(launch.args, launch.form)]

    def adapters(self, launch):
        from .base import Adapter

        out = []
        for name, tok in adapters(launch.args):
            _n, eq, path = tok.text.partition("=")
            ptok = Token(path.strip(), tok.loc, tok.resolved, tok.origin) if eq else tok
            out.append(Adapter(name, ptok, "--adapters"))
        return out

    def adapter_loading(self, launch):
        from .base import AdapterLoading, Problem
        from .common import version_phrase

        problem = None
        occs = launch.args.options.get("adapters")
        backend = launch.args.value("backend")
        if occs and backend != "pytorch":
            chosen = (
                f"the default backend ({DEFAULT_BACKEND.value})"
                if backend is None
                else f"--backend {backend}"
            )
            problem = Problem(
                "adapters-not-loaded",
                occs[0].loc,
                f"--adapters is only honoured by LMDeploy's PyTorch engine; with {chosen} "
                f"({version_phrase(launch)}) the adapters are silently dropped and every request "
                "is answered by the base model",
                "add --backend pytorch",
                {
                    "adapters": [v.text for o in occs for v in o.values],
                    "backend": backend or DEFAULT_BACKEND.value,
                    "fact": ADAPTERS_NEED_PYTORCH.source,
                },
                anchor="--adapters without --backend pytorch",
            )
        return AdapterLoading(
            problem=problem,
            peft_types=frozenset({"LORA"}),
            peft_types_source=ADAPTERS_FORMAT.source + " (LoRA adapters only)",
            rank_limit=None,
        )

    def listen(self, launch):
        from .base import Listen

        if launch.form != API_SERVER_FORM:
            return na(f"`{launch.form}` serves no network endpoint")
        port, source = server_port(launch.args, self.version_of(launch))
        host = launch.args.value("server_name") or SERVER_NAME_DEFAULT.value
        return Listen(host, str(port), source)

    def chat_route(self, launch):
        return chat_endpoint(launch.form)

    def sampling_defaults(self, linked, launch, model):
        from .base import Setting

        if launch.form == PIPELINE_FORM:
            return {"do_sample": Setting(False, PIPELINE_DO_SAMPLE.source, None)}
        return na("LMDeploy's server-side sampling defaults are not modelled")

    def stop_set(self, linked, launch, md):
        return na("LMDeploy stops on its chat template's stop words (not modelled)")

    def prompting(self, linked, launch):
        from ..templates.resolve import mark_override

        return mark_override(_prompting(linked, launch, self.version_of(launch)), launch)

    def remote_code(self, launch):
        from .base import RemoteCode

        version = self.version_of(launch)
        f = fact_at(TRUST_REMOTE_CODE, version)
        if f.value is True:
            return RemoteCode(True, f.source)
        on = launch.args.flag("trust_remote_code")
        occ = launch.args.last("trust_remote_code")
        if on:
            return RemoteCode(
                True, "--trust-remote-code on the command line", occ.loc if occ else None
            )
        return RemoteCode(False, f.source)

    # -- security and context (issue 12: DPL601, DPL602, DPL502, DPL503, DPL205) -------------
    def bind_address(self, launch):
        from .common import bind_setting

        if launch.form != API_SERVER_FORM:
            return na(f"`{launch.form}` serves no network endpoint")
        return bind_setting(
            launch,
            "server_name",
            "--server-name",
            SERVER_NAME_DEFAULT.value,
            SERVER_NAME_DEFAULT.source,
        )

    def auth(self, launch):
        from .common import keys_auth

        if launch.form != API_SERVER_FORM:
            return na(f"`{launch.form}` serves no network endpoint")
        return keys_auth(
            launch, "api_keys", "--api-keys", none_source="no `--api-keys`", basis=API_KEYS.source
        )

    def dtype(self, launch):
        from .common import dtype_setting

        return dtype_setting(launch, "dtype", "--dtype", "auto", DTYPE_AUTO.source)

    def refuses_float16(self, launch):
        return {}

    def context_length(self, launch):
        from .base import ContextLength
        from .common import context_from_option

        rope = None
        rope_src, rope_loc = "", None
        occ = launch.args.last("rope_scaling_factor")
        if occ is not None and occ.values and occ.resolved:
            try:
                rope = {"factor": float(occ.values[0].text)}
                rope_src, rope_loc = f"`--rope-scaling-factor {occ.values[0].text}`", occ.loc
            except ValueError:
                rope = None
        common = {
            "rope_scaling": rope,
            "rope_source": rope_src,
            "rope_loc": rope_loc,
            "above_positions": SESSION_LEN.value,
        }
        got = context_from_option(launch, "session_len", "--session-len", "--session-len", **common)
        if got is not None:
            return got
        return ContextLength(
            None, SESSION_LEN.source, None, "--session-len", default=True, **common
        )

    # -- multimodal (issue 12: DPL701, DPL702) -----------------------------------------------
    def image_limits(self, launch):
        return na("LMDeploy's vision preprocessing is not modelled")

    def training_image_limits(self, run):
        return na("LMDeploy does not fine-tune models")

    # -- tool calls and reasoning (issue 13: DPL801-DPL804) ----------------------------------
    def tool_calling(self, launch, family):
        from .base import na

        return na("LMDeploy's tool-call parsing is not modelled yet")

    def reasoning(self, launch, family, prompt_think):
        from .base import na

        return na(
            "LMDeploy's reasoning parsers are not modelled yet (issue 13 covers vLLM and SGLang)"
        )

    def chat_template_kwargs(self, launch):
        from .base import na

        return na("LMDeploy's chat-template kwargs are not modelled yet")

    # -- releases and settings (DPL504, DPL505) and offline generation (DPL206, DPL104) ------
    def architecture_support(self, launch, arch):
        from .release_answers import lmdeploy_architecture_support

        return lmdeploy_architecture_support(launch, arch, self.version_of(launch))

    def settings_not_read(self, launch):
        from .release_answers import lmdeploy_settings_not_read

        return lmdeploy_settings_not_read(launch, self.version_of(launch))

    def output_budget(self, linked, launch, call):
        from .release_answers import LMDEPLOY_COMPLETION_MAX_TOKENS, openai_completion_budget

        if launch.form == PIPELINE_FORM:
            return na("pipeline calls take their limit from GenerationConfig")
        return openai_completion_budget(
            launch, call, LMDEPLOY_COMPLETION_MAX_TOKENS, self.version_of(launch)
        )

    def prompt_special_tokens(self, launch, call):
        return na("how LMDeploy tokenizes text prompts is not modelled")

    # -- wording -----------------------------------------------------------------------------
    def fix(self, topic, **kw):
        adapter = kw.get("adapter", "<path>")
        if topic == "missing-chat-template":
            return "pass --chat-template (a built-in name or a JSON file)"
        if topic == "adapter-as-model":
            return (
                f"serve the base model with `--backend pytorch --adapters <name>={adapter}`, or "
                "merge the adapter into the base first"
            )
        if topic == "load-adapter":
            return (
                f"load it with `--backend pytorch --adapters <name>={adapter}` and send "
                "`model: <name>`, or merge it and serve the merged directory"
            )
        return self.generic_fix(topic, **kw)


# -- security and context (issue 12) -----------------------------------------------------------
API_KEYS = Fact(
    None,
    "no `--api-keys`: the OpenAI routes answer every request (lmdeploy/serve/openai/"
    "api_server.py check_api_key is a no-op without keys)",
)

DTYPE_AUTO = Fact(
    "auto",
    "`--dtype` default `auto`: the checkpoint's dtype (lmdeploy/cli/utils.py ArgumentHelper.dtype)",
)

SESSION_LEN = Fact(
    "LMDeploy takes it as given (no check against the model's positions in lmdeploy/cli/serve.py)",
    "`--session-len` default None: the model's own max length (lmdeploy/cli/utils.py "
    "ArgumentHelper.session_len)",
)


ENGINE_IMPL = LMDeploy()
