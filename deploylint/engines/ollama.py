"""Ollama: `ollama serve` / `ollama run MODEL` / `ollama create NAME -f Modelfile`, the server's
environment variables, the `ollama/ollama` image, and what a Modelfile means by version.

Sources: ollama/ollama @ fb30760996 (2026-08-21): cmd/cmd.go (cobra commands and flags),
envconfig/config.go (variables), api/types.go (PARAMETER names and defaults), parser/parser.go
(the Modelfile parser, ported in deploylint/sources/modelfile.py), Dockerfile, docs/modelfile.mdx;
versions from the repository's tags. Each other fact carries its source.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..launch_details import ModelfileSummary, OllamaArgs, Origin
from ..location import Loc
from . import Fact, fact_at, registry
from .base import Engine, na
from .cli import ArgOcc, OptionTable, OptSpec, ParsedArgs, Token

ENGINE = "ollama"
SERVE_FORM = "ollama serve"
RUN_FORM = "ollama run"
CREATE_FORM = "ollama create"
MODELFILE_FORM = "Modelfile"


def recognize(words: list[Token]) -> tuple[str, int] | None:
    """`ollama serve` (alias `start`), `ollama run MODEL [PROMPT]`, `ollama create NAME`
    (cmd/cmd.go). A bare `ollama` that comes from the `ollama/ollama` image's ENTRYPOINT runs the
    image's CMD `serve`."""
    if not words:
        return None
    base = words[0].text.rsplit("/", 1)[-1]
    if base not in ("ollama", "ollama.exe"):
        return None
    if len(words) == 1:
        origin = words[0].origin or ""
        return (SERVE_FORM, 1) if origin.startswith("entrypoint of") else None
    sub = words[1].text
    if sub in ("serve", "start"):
        return SERVE_FORM, 2
    if sub == "run":
        return RUN_FORM, 2
    if sub == "create":
        return CREATE_FORM, 2
    return None


# cobra/pflag flags of the three commands (cmd/cmd.go @ fb30760996); `--think` has
# NoOptDefVal "true", so a value only comes with `--think=high`.
_OPTIONS = [
    OptSpec("--file", aliases=("-f",)),
    OptSpec("--quantize", aliases=("-q",)),
    OptSpec("--draft-quantize"),
    OptSpec("--experimental", "flag"),
    OptSpec("--keepalive"),
    OptSpec("--verbose", "flag"),
    OptSpec("--insecure", "flag"),
    OptSpec("--nowordwrap", "flag"),
    OptSpec("--format"),
    OptSpec("--think", "flag"),
    OptSpec("--hidethinking", "flag"),
    OptSpec("--truncate", "flag"),
    OptSpec("--dimensions"),
    OptSpec("--help", "flag", aliases=("-h",)),
]


@lru_cache(maxsize=4)
def option_table(version: str | None = None) -> OptionTable:
    return OptionTable(list(_OPTIONS), underscores=False)


# Server variables (envconfig/config.go AsMap @ fb30760996) read as options named after them.
ENV_VARS = (
    "OLLAMA_HOST",
    "OLLAMA_CONTEXT_LENGTH",
    "OLLAMA_MODELS",
    "OLLAMA_KEEP_ALIVE",
    "OLLAMA_NUM_PARALLEL",
    "OLLAMA_MAX_LOADED_MODELS",
    "OLLAMA_MAX_QUEUE",
    "OLLAMA_ORIGINS",
    "OLLAMA_FLASH_ATTENTION",
    "OLLAMA_KV_CACHE_TYPE",
    "OLLAMA_LOAD_TIMEOUT",
    "OLLAMA_DEBUG",
    "OLLAMA_NOPRUNE",
    "OLLAMA_SCHED_SPREAD",
    "OLLAMA_GPU_OVERHEAD",
    "OLLAMA_LLM_LIBRARY",
    "OLLAMA_GO_TEMPLATE",
    "OLLAMA_NO_CLOUD",
    "OLLAMA_REMOTES",
)
ENV_OPTIONS = {name: OptSpec(name.lower()) for name in ENV_VARS}

# -- behaviour by version ------------------------------------------------------------------

DEFAULT_HOST = Fact(
    "127.0.0.1:11434",
    "OLLAMA_HOST default http://127.0.0.1:11434 (envconfig/config.go Host())",
)

IMAGE_HOST = Fact(
    "0.0.0.0:11434",
    "the ollama/ollama image sets `ENV OLLAMA_HOST=0.0.0.0:11434` (Dockerfile, since 2023-07 "
    "commit ea809df19)",
)

DOCKER_ENTRYPOINT = Fact(
    ("/bin/ollama",),
    'ollama/ollama: ENTRYPOINT ["/bin/ollama"], CMD ["serve"], EXPOSE 11434 (Dockerfile '
    "@ fb30760996; since 2023-07)",
)

CONTEXT_LENGTH_DEFAULT = [
    Fact(2048, "num_ctx default 2048 (api/types.go DefaultOptions)", until="0.6.7"),
    Fact(
        4096,
        "OLLAMA_CONTEXT_LENGTH default 4096 (envconfig/config.go, commit 44b466eeb, v0.6.7)",
        since="0.6.7",
        until="0.15.5",
    ),
    Fact(
        "4k/32k/256k by VRAM",
        "OLLAMA_CONTEXT_LENGTH default 0 = tiered by VRAM (4k/32k/256k; commit 0334ffa62, "
        "v0.15.5; envconfig/config.go)",
        since="0.15.5",
    ),
]

CONTEXT_LENGTH_ENV_SINCE = Fact(
    "0.5.13", "OLLAMA_CONTEXT_LENGTH added by commit 314573bfe (PR #8938), first in v0.5.13"
)

OPENAI_CHAT_SINCE = Fact(
    "0.1.24",
    "OpenAI-compatible `/v1/chat/completions` (PR #2376, v0.1.24); native chat API `/api/chat`",
)

PARAMETER_DEFAULTS = Fact(
    {
        "temperature": 0.8,
        "top_k": 40,
        "top_p": 0.9,
        "min_p": 0.0,
        "typical_p": 1.0,
        "repeat_last_n": 64,
        "repeat_penalty": 1.0,
        "presence_penalty": 0.0,
        "frequency_penalty": 0.0,
        "num_predict": -1,
        "num_keep": 4,
        "seed": -1,
        "num_batch": 512,
    },
    "api/types.go DefaultOptions @ fb30760996 (docs/modelfile.mdx still says repeat_penalty 1.1 "
    "in older versions, seed 0)",
)

# PARAMETER names `ollama create` accepts (json tags of api.Options and api.Runner @ fb30760996);
# the deprecated ones only print a warning (parser/parser.go deprecatedParameters).
PARAMETERS = (
    "num_keep seed num_predict top_k top_p min_p typical_p repeat_last_n temperature "
    "repeat_penalty presence_penalty frequency_penalty stop num_ctx num_batch num_gpu main_gpu "
    "use_mmap num_thread draft_num_predict"
).split()
DEPRECATED_PARAMETERS = (
    "penalize_newline low_vram f16_kv logits_all vocab_only use_mlock mirostat mirostat_tau "
    "mirostat_eta"
).split()

MODELFILE_INSTRUCTIONS = {
    "from": None,
    "parameter": None,
    "template": None,
    "system": None,
    "adapter": None,
    "license": None,
    "message": None,
    "renderer": "0.12.0",
    "parser": "0.12.0",
    "requires": "0.14.0",
    "draft": "0.23.1",
}
MODELFILE_INSTRUCTIONS_SOURCE = (
    "isValidCommand in parser/parser.go: from, license, template, system, adapter, parameter, "
    "message (v0.1.34+), renderer and parser (commit 47991940d, v0.12.0), requires (8852220f5, "
    "v0.14.0), draft (15e6076d7, v0.23.1). docs/modelfile.mdx lists REQUIRES but no CAPABILITY "
    "instruction (CAPABILITY, seen in third-party copies, is not in the parser)"
)

MODELFILE_LAST_WINS = Fact(
    ("template", "system", "adapter"),
    "CreateRequest in parser/parser.go: a later TEMPLATE, SYSTEM or ADAPTER replaces an earlier "
    "one (req.Template / req.System / req.Adapters are assigned), PARAMETER stop accumulates, "
    "other PARAMETERs: the last one wins; MESSAGE and LICENSE accumulate",
)

DEFAULT_TEMPLATE = Fact(
    "{{ .Prompt }}",
    "no TEMPLATE and no template detected from the GGUF: the model gets DefaultTemplate "
    '"{{ .Prompt }}": the raw prompt, SYSTEM dropped (template/template.go, server/model.go)',
)

ADAPTER_PATHS = Fact(
    "relative to the Modelfile",
    "FROM/ADAPTER paths are absolute, ~-relative or relative to the Modelfile's directory "
    "(expandPath in parser/parser.go); a FROM that is not an existing path is a model name",
)


def instruction_available(name: str, version: str | None) -> bool | None:
    """Whether the Modelfile instruction ``name`` is known to `ollama create` at ``version``."""
    name = name.lower()
    if name not in MODELFILE_INSTRUCTIONS:
        return False
    since = MODELFILE_INSTRUCTIONS[name]
    if since is None or version is None:
        return True
    from ..versions import Version

    v, s = Version.parse(version), Version.parse(since)
    if v is None or s is None:
        return None
    return v >= s


TOOLS_NEED_TEMPLATE = [
    Fact(None, "tool calling before v0.2.8 was not read", until="0.2.8"),
    Fact(
        True,
        'a request with `tools` is refused (HTTP 400 "<model> does not support tools") unless '
        "the model's template uses `.Tools` (server/images.go CheckCapabilities / "
        'capabilities: `slices.Contains(m.Template.Vars(), "tools")`, v0.2.8, v0.12.0, '
        "v0.20.0; a Modelfile PARSER with tool support also counts from v0.12)",
        since="0.2.8",
        until="0.30.0",
    ),
    Fact(
        None,
        "from v0.30.0 Ollama may prefer the GGUF's own chat template when the Go TEMPLATE lacks "
        "a capability it has (server/images.go shouldPreferChatTemplate), which is not readable "
        "statically",
        since="0.30.0",
    ),
]

THINK_FIELD = [
    Fact(None, "no `think` request field before v0.9.0 (api/types.go)", until="0.9.0"),
    Fact(
        "think",
        "`think` (api/types.go ChatRequest, v0.9.0 on) switches thinking on the native "
        '/api/chat; the OpenAI-compatible /v1 reads `reasoning_effort` ("none" = think '
        "false) from v0.11.5 (openai/openai.go), and neither reads `chat_template_kwargs`",
        since="0.9.0",
    ),
]

OPENAI_UNKNOWN_FIELDS = Fact(
    "ignored",
    "/v1/chat/completions decodes the body into openai/openai.go ChatCompletionRequest, which "
    "has no `chat_template_kwargs` or `enable_thinking` field; Go's JSON decoder drops unknown "
    "fields silently (v0.1.24 to v0.33)",
)


def image_entrypoint(version: str | None) -> tuple[tuple[str, ...], str]:
    """The image's ENTRYPOINT; its CMD `serve` applies when no command is given, which
    ``recognize`` handles for a bare `/bin/ollama` from the image."""
    return DOCKER_ENTRYPOINT.value, DOCKER_ENTRYPOINT.source


def options_from_env(args: ParsedArgs, env: dict, table: OptionTable, ctx) -> None:
    """The server's OLLAMA_* variables become options named after them (``ollama_host`` ...);
    the `ollama/ollama` image sets OLLAMA_HOST=0.0.0.0:11434."""
    from .images import image_info

    form = registry.current_form(args, ctx, ENGINE)
    registry.add_env_options(args, env, ctx, ENV_OPTIONS)
    unread = _unread_context_vars(args, env, ctx)
    info = image_info(ctx.image) if getattr(ctx, "image", None) else None
    if info is not None and info.engine == ENGINE and not args.has("ollama_host"):
        where = getattr(ctx, "image_loc", None) or registry.first_word_loc(args, ctx)
        origin = f"ENV OLLAMA_HOST=0.0.0.0:11434 in the image {ctx.image} ({IMAGE_HOST.source})"
        args.options.setdefault("ollama_host", []).append(
            ArgOcc(
                ENV_OPTIONS["OLLAMA_HOST"],
                Token("OLLAMA_HOST", where, origin=origin),
                [Token(IMAGE_HOST.value, where, origin=origin)],
            )
        )
    modelfile_path = model_name = None
    if form == CREATE_FORM:
        occ = args.last("file")
        if occ is not None and occ.values:
            modelfile_path = occ.values[0]
        if args.positionals:
            model_name = args.positionals[0]
    if unread or modelfile_path is not None or model_name is not None:
        found = OllamaArgs(modelfile_path=modelfile_path, model_name=model_name, unread_env=unread)
        registry.set_launch_details(ctx, engine_args=found)


_NO_ARGS = OllamaArgs()
_NO_MODELFILE = ModelfileSummary()


def _args(launch) -> OllamaArgs:
    return launch.args_of(OllamaArgs) or _NO_ARGS


def _modelfile(launch) -> ModelfileSummary:
    """The Modelfile a launch of form "Modelfile" is (nothing given for the other forms)."""
    return _args(launch).modelfile or _NO_MODELFILE


def model_token(args: ParsedArgs, form: str, version: str | None = None):
    """(token, text, is_default, note): `ollama run MODEL` names an Ollama model (library name
    or one made with `ollama create`), not a Hugging Face id."""
    if form in (RUN_FORM, CREATE_FORM) and args.positionals:
        t = args.positionals[0]
        return t, t.text, False, "an Ollama model name"
    if form == MODELFILE_FORM and args.positionals:
        t = args.positionals[-1]
        return t, t.text, False, "the Modelfile's FROM"
    return None, None, False, ""


def listen(args: ParsedArgs, form: str = SERVE_FORM, version: str | None = None):
    """(host, port) from OLLAMA_HOST (`[scheme://]host[:port]`, default 127.0.0.1:11434)."""
    raw = args.value("ollama_host") or DEFAULT_HOST.value
    text = raw.split("://", 1)[-1].rstrip("/")
    default_port = "11434"
    if raw.startswith("https://"):
        default_port = "443"
    elif raw.startswith("http://"):
        default_port = "80"
    host, sep, port = text.rpartition(":")
    if not sep or "]" in port:
        return text or "127.0.0.1", default_port
    return host or "127.0.0.1", port or default_port


def context_length(args: ParsedArgs, version: str | None) -> tuple[object, str]:
    v = args.value("ollama_context_length")
    if v is not None:
        return v, "OLLAMA_CONTEXT_LENGTH"
    f = fact_at(CONTEXT_LENGTH_DEFAULT, version)
    return f.value, f.source


def chat_endpoint(form: str) -> str | None:
    if form == SERVE_FORM:
        return "/v1/chat/completions"
    if form == MODELFILE_FORM:
        return "/api/chat"  # the model it defines is chatted with through the server's chat API
    return None


# -- what a model name means in the Ollama library ---------------------------------------------

LIBRARY_VARIANTS = Fact(
    "chat",
    "Ollama library names are `[namespace/]name[:tag]` (namespace `library/` when omitted, tag "
    "`latest`); a library model's default tag and its `instruct`/`chat` tags are the "
    "instruction-tuned variant, the pretrained one carries `text` (or `base`) in its tag, e.g. "
    '`llama3.1:8b-text-q4_0` (ollama.com/library; Qwen docs: "ollama does not host base models", '
    "QwenLM/Qwen3 docs/source/run_locally/ollama.md; ollama/ollama#521: the Llama-2 `text` GGUF "
    "is the completion model)",
)

_BASE_TAG = re.compile(r"(?:^|[-_.])(?:text|base|pretrain(?:ed)?)(?:$|[-_.])", re.I)
_NAME = re.compile(
    r"^(?:(?P<ns>[a-z0-9][a-z0-9._-]*)/)?(?P<name>[a-z0-9][a-z0-9._-]*)(?::(?P<tag>[\w.-]+))?$",
    re.I,
)


def library_variant(text: str) -> tuple[str | None, str] | None:
    """What an Ollama model name says about the model: ("instruct" | "base" | None, reason), or
    None when ``text`` is not a library-style name (a path, a GGUF file, an `hf.co/…` reference:
    those are judged like any other checkpoint)."""
    text = text.strip()
    if not text or text.startswith((".", "/", "~")) or text.lower().endswith(".gguf"):
        return None
    m = _NAME.match(text)
    if m is None:
        return None
    ns, name, tag = m.group("ns"), m.group("name"), m.group("tag") or "latest"
    if ns is not None and ns.lower() != "library":
        return None, (
            f"`{text}` is a model in the Ollama user namespace `{ns}`: what it was trained for is "
            "not known statically"
        )
    if _BASE_TAG.search(tag):
        return "base", (
            f"the `{tag}` tag of the Ollama library model `{name}` is its pretrained (text) variant"
        )
    return "instruct", (
        f"`{text}` is an Ollama library model, whose default and non-`text` tags are the "
        "instruction-tuned variant"
    )


def _prompting(linked, launch, version):
    from ..templates import resolve as R

    mf = _modelfile(launch)
    tmpl = mf.template
    system = mf.system
    msgs = mf.messages

    def _v(x):
        return getattr(x, "value", x)

    if tmpl is not None:
        loc = getattr(tmpl, "loc", None)
        # A TEMPLATE replaces the template the model's GGUF (or Ollama's import) would give it.
        return R.Prompting(
            "ollama",
            version,
            "ollama",
            "Modelfile TEMPLATE",
            loc,
            form=R.OllamaForm(_v(tmpl), _v(system), tuple(_v(m) for m in msgs)),
            override=True,
        )
    md = launch.model.directory if launch.model is not None else None
    if md is not None:
        t = R.hf_template(md)
        if t is not None:
            from .ollama_templates import autodetect, template

            name = autodetect(t.text)
            if name is not None and template(name) is not None:
                return R.Prompting(
                    "ollama",
                    version,
                    "ollama",
                    f"autodetected built-in template '{name}' from {t.source}",
                    form=R.OllamaForm(template(name), _v(system), tuple(_v(m) for m in msgs)),
                )
        return R.Prompting(
            "ollama",
            version,
            "ollama",
            "no TEMPLATE: Ollama's default `{{ .Prompt }}`",
            form=R.OllamaForm("{{ .Prompt }}", _v(system)),
            silent=True,
            failure="the raw prompt is sent without any chat format and SYSTEM is dropped",
        )
    return R.Prompting(
        "ollama", version, "unknown", "the FROM model's own template (not readable statically)"
    )


def _value(x):
    return getattr(x, "value", x)


class Ollama(Engine):
    """Ollama: `ollama serve`, `ollama run`, `ollama create`, and Modelfiles."""

    name = ENGINE
    display = "Ollama"
    packages = ("ollama",)
    forms = (SERVE_FORM, RUN_FORM, CREATE_FORM, MODELFILE_FORM)

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
        return na("a Modelfile is its own launch (sources/modelfile.py)")

    def serves(self, launch) -> bool:
        return launch.form != CREATE_FORM

    def model_arg(self, launch):
        from .base import ModelArg

        if launch.form == CREATE_FORM:
            return na("`ollama create` builds the model its Modelfile describes")
        t = launch.model_token
        if t is not None:
            return ModelArg(t, t.text)
        tok, text, is_default, note = model_token(launch.args, launch.form)
        return ModelArg(tok, text, is_default, note)

    def tokenizer_arg(self, launch):
        return na("Ollama takes the tokenizer from the model it imports")

    def served_names(self, launch):
        return list(launch.served_names)

    def adapters(self, launch):
        from .base import Adapter

        return [Adapter("default", t, "ADAPTER") for t in launch.args.values("adapter")]

    def adapter_loading(self, launch):
        from .base import AdapterLoading

        return AdapterLoading(
            problem=None,
            peft_types=frozenset({"LORA"}),
            peft_types_source=ADAPTER_PATHS.source + " (ADAPTER applies LoRA adapters)",
            rank_limit=None,
        )

    def listen(self, launch):
        from .base import Listen

        if launch.form != SERVE_FORM:
            return na(f"`{launch.form}` is served by an `ollama serve` elsewhere")
        host, port = listen(launch.args, launch.form)
        return Listen(host, port, DEFAULT_HOST.source)

    def chat_route(self, launch):
        return chat_endpoint(launch.form)

    def sampling_defaults(self, linked, launch, model):
        from .base import Setting

        if launch.form != MODELFILE_FORM:
            return {}
        temps = _modelfile(launch).parameters.get("temperature") or []
        if temps:
            v = temps[-1]
            try:
                value = float(_value(v))
            except (TypeError, ValueError, OverflowError):
                return {}
            return {"temperature": Setting(value, "Modelfile PARAMETER temperature", v.loc)}
        d = PARAMETER_DEFAULTS.value
        return {"temperature": Setting(d["temperature"], PARAMETER_DEFAULTS.source, None)}

    def stop_set(self, linked, launch, md):
        from .base import StopSet
        from .common import hf_stop_set

        base = hf_stop_set(md)
        stops = set(base.tokens)
        why = list(base.why)
        for s in _modelfile(launch).stops:
            v = _value(s)
            if isinstance(v, str):
                stops.add(v)
                why.append(f"Modelfile PARAMETER stop {v!r}")
        return StopSet(frozenset(stops), tuple(why))

    def prompting(self, linked, launch):
        p = _prompting(linked, launch, self.version_of(launch))
        system = _modelfile(launch).system
        if system is not None and isinstance(_value(system), str):
            p.deliberate_system = _value(system)  # the Modelfile SYSTEM is the default on purpose
        return p

    def remote_code(self, launch):
        return na("Ollama runs no code shipped with the model")

    # -- security and context (issue 12: DPL601, DPL602, DPL502, DPL503, DPL205) -------------
    def bind_address(self, launch):
        from .base import Setting

        if launch.form != SERVE_FORM:
            return na(f"`{launch.form}` is served by an `ollama serve` elsewhere")
        host, _port = listen(launch.args, launch.form)
        occ = launch.args.last("ollama_host")
        if occ is not None and occ.values:
            tok = occ.values[0]
            if not tok.resolved:
                return Setting(None, "OLLAMA_HOST from a value the scan cannot see", occ.loc)
            origin = tok.origin or f"OLLAMA_HOST={tok.text}"
            return Setting(host, origin, occ.loc)
        return Setting(host, DEFAULT_HOST.source, None)

    def auth(self, launch):
        from .base import Auth

        if launch.form != SERVE_FORM:
            return na(f"`{launch.form}` is served by an `ollama serve` elsewhere")
        return Auth(False, (), "Ollama has no authentication", basis=NO_AUTH.source)

    def dtype(self, launch):
        return na("Ollama runs GGUF weights with their own types: it has no dtype setting")

    def refuses_float16(self, launch):
        return na("Ollama runs GGUF weights with their own types: it has no dtype setting")

    def context_length(self, launch):
        from dataclasses import replace

        from .base import ContextLength

        got = self._context_length(launch)
        if isinstance(got, ContextLength):
            return replace(got, when_full=WHEN_FULL.value)
        return got

    def _context_length(self, launch):
        from ..versions import Version
        from .base import ContextLength

        version = self.version_of(launch)
        f = fact_at(CONTEXT_LENGTH_DEFAULT, version)
        note = "" if (launch.version and launch.version.pinned) else "newest known release assumed"
        if launch.form == MODELFILE_FORM:
            vals = _modelfile(launch).parameters.get("num_ctx") or []
            if vals:
                num_ctx = vals[-1]
                try:
                    n = int(str(num_ctx.value).strip())
                except ValueError:
                    n = 0
                if n > 0:
                    return ContextLength(
                        n,
                        "Modelfile `PARAMETER num_ctx`",
                        num_ctx.loc,
                        "PARAMETER num_ctx",
                        above_positions=NUM_CTX_CLAMP.value,
                    )
            return ContextLength(
                f.value,
                f.source,
                None,
                "PARAMETER num_ctx",
                default=True,
                above_positions=NUM_CTX_CLAMP.value,
                version_note=note,
            )
        if launch.form != SERVE_FORM:
            return na(f"`{launch.form}` runs with the context of the server it talks to")
        ignored = [
            (
                name,
                loc,
                f"Ollama never reads {name} (envconfig/config.go knows only OLLAMA_CONTEXT_LENGTH)",
            )
            for name, loc in _args(launch).unread_env
        ]
        occ = launch.args.last("ollama_context_length")
        env_loc = launch.origin.env_var_locs.get("OLLAMA_CONTEXT_LENGTH")
        if occ is not None and env_loc is not None and occ.flag.text == "OLLAMA_CONTEXT_LENGTH":
            from .cli import ArgOcc

            occ = ArgOcc(
                occ.spec,
                Token(occ.flag.text, env_loc, occ.flag.resolved, occ.flag.origin),
                occ.values,
            )
        if occ is not None and occ.values and occ.resolved:
            text = occ.values[0].text.strip()
            since = Version.parse(CONTEXT_LENGTH_ENV_SINCE.value)
            v = Version.parse(version or "")
            if v is not None and since is not None and v < since and launch.version.pinned:
                ignored.append(("OLLAMA_CONTEXT_LENGTH", occ.loc, CONTEXT_LENGTH_ENV_SINCE.source))
            elif text.isdigit() and int(text) > 0:
                return ContextLength(
                    int(text),
                    f"OLLAMA_CONTEXT_LENGTH={text}",
                    occ.loc,
                    "OLLAMA_CONTEXT_LENGTH",
                    above_positions=NUM_CTX_CLAMP.value,
                    ignored=tuple(ignored),
                )
            elif not text.isdigit():
                ignored.append(
                    (
                        "OLLAMA_CONTEXT_LENGTH",
                        occ.loc,
                        f"OLLAMA_CONTEXT_LENGTH={text!r} is not a whole number: Ollama "
                        'logs "invalid environment variable, using default" '
                        "(envconfig/config.go Uint)",
                    )
                )
        elif occ is not None:
            return ContextLength(
                None,
                "OLLAMA_CONTEXT_LENGTH from a value the scan cannot see",
                occ.loc,
                "OLLAMA_CONTEXT_LENGTH",
                ignored=tuple(ignored),
            )
        return ContextLength(
            f.value,
            f.source,
            None,
            "OLLAMA_CONTEXT_LENGTH",
            default=True,
            above_positions=NUM_CTX_CLAMP.value,
            ignored=tuple(ignored),
            version_note=note,
        )

    # -- multimodal (issue 12: DPL701, DPL702) -----------------------------------------------
    def image_limits(self, launch):
        return na("Ollama's image preprocessing is not modelled")

    def training_image_limits(self, run):
        return na("Ollama does not fine-tune models")

    # -- tool calls and reasoning (issue 13: DPL801-DPL804) ----------------------------------
    def tool_calling(self, launch, family):
        import re

        from .base import Problem, ToolCalling, na
        from .common import version_phrase

        if launch.form == CREATE_FORM:
            return na("`ollama create` builds a model; it serves nothing")
        mf = _modelfile(launch)
        tmpl = mf.template
        text = _value(tmpl)
        if not isinstance(text, str):
            return ToolCalling(None, "the FROM model's own template (not readable statically)")
        if mf.parser is not None or mf.renderer is not None:
            return ToolCalling(None, "a Modelfile PARSER/RENDERER decides tool support")
        if re.search(r"\.Tools\b", text):
            return ToolCalling("template", "the Modelfile TEMPLATE renders .Tools")
        f = fact_at(TOOLS_NEED_TEMPLATE, self.version_of(launch))
        if f.value is not True:
            return ToolCalling(None, f.source)
        where = getattr(tmpl, "loc", None) or launch.loc
        problem = Problem(
            "tools-not-parsed",
            where,
            f"the Modelfile TEMPLATE never uses `.Tools`: {version_phrase(launch)} refuses a "
            'request with `tools` (HTTP 400 "... does not support tools")',
            "render the tools in the TEMPLATE (`{{ if .Tools }}...{{ end }}` and the model's "
            "tool-call format, as in the library template of its family), or drop TEMPLATE to "
            "keep the FROM model's own",
            {"fact": f.source},
            anchor="TEMPLATE without .Tools",
        )
        return ToolCalling(None, "Modelfile TEMPLATE without .Tools", problem, problem)

    def reasoning(self, launch, family, prompt_think):
        from .base import na

        return na("Ollama splits thinking with its own `think` handling, not a parser flag")

    def chat_template_kwargs(self, launch):
        from .base import TemplateKwargs, na

        if launch.form == CREATE_FORM:
            return na("`ollama create` builds a model; it serves nothing")
        f = fact_at(THINK_FIELD, self.version_of(launch))
        ignored = {
            "chat_template_kwargs": "Ollama has no `chat_template_kwargs` request field: it is "
            "dropped",
            "enable_thinking": "Ollama has no `enable_thinking` request field: it is dropped",
        }
        return TemplateKwargs(
            {}, None, f.value, f"{f.source}; {OPENAI_UNKNOWN_FIELDS.source}", ignored
        )

    # -- releases and settings (DPL504, DPL505) and offline generation (DPL206, DPL104) ------
    def architecture_support(self, launch, arch):
        return na("Ollama loads GGUF models; their architecture is not modelled")

    def settings_not_read(self, launch):
        return na("OLLAMA_* variables are DPL205's")

    def output_budget(self, linked, launch, call):
        return na("Ollama's num_predict default is not modelled")

    def prompt_special_tokens(self, launch, call):
        return na("Ollama renders its own templates")

    # -- wording -----------------------------------------------------------------------------
    def fix(self, topic, **kw):
        adapter = kw.get("adapter", "<adapter dir>")
        base = kw.get("base", "<base model>")
        texts = {
            "missing-chat-template": "add a TEMPLATE (and PARAMETER stop) to the Modelfile",
            "adapter-as-model": f"`FROM {base}` and `ADAPTER {adapter}` (Ollama applies a "
            "Safetensors LoRA adapter on the base it was tuned from), or merge first and `FROM` "
            "the merged directory",
            "load-adapter": f"add `ADAPTER {adapter}` to the Modelfile, or merge it and `FROM` the "
            "merged directory",
            "low-temperature": "raise `PARAMETER temperature` to ≥ 0.7 for a base model, or use "
            "the instruction-tuned model",
            "stop-token": 'add `PARAMETER stop "{token}"` to the Modelfile'.replace(
                "{token}", str(kw.get("token", "<end-of-turn>"))
            ),
            "system-prompt": "set SYSTEM in the Modelfile, or send a system message in every "
            "request",
            "chat-template-file": "write the training template as the Modelfile's TEMPLATE",
        }
        return texts[topic]


# -- security and context (issue 12) -----------------------------------------------------------
NO_AUTH = Fact(
    None,
    "Ollama has no authentication: every route of `ollama serve` answers anyone who reaches it "
    "(feature request ollama/ollama#1053; maintainers point to a proxy in front, ollama/ollama "
    "PR #5415; OLLAMA_AUTH only signs the client's own requests, api/client.go)",
)

WHEN_FULL = Fact(
    "Ollama drops the oldest messages (keeping system messages and the last one) and cuts the "
    'prompt to what fits, without an error ("truncating input prompt" in its log only)',
    'server/prompt.go chatPrompt; llm/llama_server.go ("truncating input prompt") @ fb30760996; '
    "ollama/ollama issues #17889, #9519",
)

NUM_CTX_CLAMP = Fact(
    "Ollama lowers it to the model's trained context (\"requested context size too large for "
    'model", llm/server.go)',
    "llm/server.go @ fb30760996",
)

CONTEXT_PRECEDENCE = Fact(
    "modelfile",
    "the request's options win over the Modelfile's PARAMETERs, which win over "
    "OLLAMA_CONTEXT_LENGTH (server/routes.go modelOptions: api.DefaultOptions() <- model.Options "
    "<- request options)",
)

OPENAI_NO_NUM_CTX = Fact(
    True,
    '"The OpenAI API does not have a way of setting the context size for a model": requests '
    'to /v1 cannot send num_ctx (docs/api/openai-compatibility.mdx, "Setting the context size")',
)


def _unread_context_vars(args: ParsedArgs, env: dict, ctx) -> tuple[tuple[str, Loc], ...]:
    """Context-window variables Ollama never reads (OLLAMA_NUM_CTX, OLLAMA_CTX_SIZE ...), with
    where they were set, for the context question."""
    unread = []
    for name, value in env.items():
        up = name.upper()
        if (
            up.startswith("OLLAMA_")
            and ("CTX" in up or "CONTEXT" in up)
            and up != "OLLAMA_CONTEXT_LENGTH"
        ):
            origin = getattr(ctx, "origin", None)
            known = origin.env_var_locs if isinstance(origin, Origin) else {}
            where = (
                known.get(name)
                or registry.env_loc(name, value, ctx)
                or registry.first_word_loc(args, ctx)
            )
            unread.append((name, where))
    return tuple(unread)


ENGINE_IMPL = Ollama()
