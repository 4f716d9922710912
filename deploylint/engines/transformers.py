"""transformers: the reference every engine is compared with (`apply_chat_template` on the model's
own files). It has no command line; Python code that loads a model with it is read by the Python
source, and `deploylint render --engine transformers` renders with it."""

from __future__ import annotations

from . import Fact, fact_at
from .base import Engine, ModelArg, StopSet, na
from .cli import OptionTable, Token

ENGINE = "transformers"
FORM = "from_pretrained"

NO_TEMPLATE = (
    'ValueError "Cannot use chat template functions because tokenizer.chat_template is not set" '
    "(transformers ≥ 4.44)"
)


class Transformers(Engine):
    name = ENGINE
    display = "transformers"
    packages = ("transformers",)
    forms = (FORM,)

    def recognize(self, words: list[Token]) -> tuple[str, int] | None:
        return None  # no command line: Python code is read by sources/python/

    def option_table(self, version, form=None):
        return OptionTable([])

    def options_from_env(self, args, env, table, ctx) -> None:
        return None

    def image_entrypoint(self, version):
        return na("transformers is a library, not a server image")

    def apply_config_file(self, linked, launch):
        return na("transformers reads no config file of options")

    def serves(self, launch) -> bool:
        return True

    def model_arg(self, launch):
        if launch.args.positionals:
            t = launch.args.positionals[0]
            return ModelArg(t, t.text)
        return ModelArg(None, None)

    def tokenizer_arg(self, launch):
        return None

    def served_names(self, launch):
        return []

    def adapters(self, launch):
        return na("adapters loaded in Python are read as PEFT operations")

    def adapter_loading(self, launch):
        return na("adapters loaded in Python are read as PEFT operations")

    def listen(self, launch):
        return na("transformers runs in the calling process")

    def chat_route(self, launch):
        return None

    def sampling_defaults(self, linked, launch, model):
        return na("generate() takes its defaults from generation_config.json per call")

    def stop_set(self, linked, launch, md) -> StopSet:
        from .common import hf_stop_set

        return hf_stop_set(md)

    def prompting(self, linked, launch):
        from ..templates.resolve import resolve_transformers, tokenizer_dir

        return resolve_transformers(tokenizer_dir(launch), self.version_of(launch))

    def remote_code(self, launch):
        from .base import RemoteCode

        occ = launch.args.last("trust_remote_code")
        if launch.args.flag("trust_remote_code"):
            return RemoteCode(True, "`trust_remote_code=True`", occ.loc if occ else None)
        return RemoteCode(False, "trust_remote_code not given (off by default)")

    # -- security and context (issue 12: DPL601, DPL602, DPL502, DPL503, DPL205) -------------
    def bind_address(self, launch):
        return na("transformers runs in the calling process")

    def auth(self, launch):
        return na("transformers runs in the calling process")

    def dtype(self, launch):
        from .base import Setting
        from .common import normal_dtype

        for dest in ("torch_dtype", "dtype"):
            occ = launch.args.last(dest)
            if occ is not None and occ.values:
                tok = occ.values[0]
                if not tok.resolved:
                    return Setting(None, f"`{dest}=` from a value the scan cannot see", occ.loc)
                return Setting(normal_dtype(tok.text), f"`{dest}={tok.text}`", occ.loc)
        f = fact_at(DEFAULT_DTYPE, self.version_of(launch))
        return Setting(f.value, f.source, None)

    def refuses_float16(self, launch):
        return {}

    def context_length(self, launch):
        return na("from_pretrained takes no context window; generate() is bounded by the caller")

    # -- multimodal (issue 12: DPL701, DPL702) -----------------------------------------------
    def image_limits(self, launch):
        return na("a script's processor settings are read from its processor calls, not a launch")

    def training_image_limits(self, run):
        return na("transformers does not fine-tune models")

    # -- tool calls and reasoning (issue 13: DPL801-DPL804) ----------------------------------
    def tool_calling(self, launch, family):
        from .base import na

        return na("transformers runs in-process: tool calls are whatever the calling code parses")

    def reasoning(self, launch, family, prompt_think):
        from .base import na

        return na(
            "transformers returns the generated text; separating thoughts is the caller's job"
        )

    def chat_template_kwargs(self, launch):
        from .base import na

        return na("transformers: template variables are arguments of the call itself")

    # -- releases and settings (DPL504, DPL505) and offline generation (DPL206, DPL104) ------
    def architecture_support(self, launch, arch):
        from .release_answers import transformers_architecture_support

        return transformers_architecture_support(launch, arch, self.version_of(launch))

    def settings_not_read(self, launch):
        return na("transformers has no command line or settings of its own")

    def output_budget(self, linked, launch, call):
        return na("generate() limits are read from the call and generation_config.json")

    def prompt_special_tokens(self, launch, call):
        return na("tokenizer calls are read from the code")

    # -- wording -----------------------------------------------------------------------------
    def fix(self, topic, **kw):
        return self.generic_fix(topic, **kw)


# -- security and context (issue 12) -----------------------------------------------------------
DEFAULT_DTYPE = [
    Fact(
        "float32",
        "from_pretrained without torch_dtype loads float32 weights before transformers v5 "
        "(modeling_utils.py)",
        until="5.0.0",
    ),
    Fact(
        "auto",
        'transformers v5 loads the checkpoint\'s own dtype by default (`dtype="auto"`, v5.0.0 '
        "release notes)",
        since="5.0.0",
    ),
]


ENGINE_IMPL = Transformers()
