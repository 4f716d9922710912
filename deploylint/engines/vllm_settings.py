"""vLLM answers for releases and settings (DPL504, DPL505) and offline generation (DPL206,
DPL104). Every fact is read from the per-release snapshots: ``data/vllm_cli.json`` (options,
``VLLM_*`` variables, request defaults; scripts/snapshot_vllm_cli.py) and
``data/architectures.json`` (the model registry; scripts/snapshot_architectures.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import architectures as A
from . import settings as S
from .base import ModelArch, OutputBudget, Problem, SpecialTokens, na
from .common import version_phrase

if TYPE_CHECKING:
    from ..facts import ClientCall, Launch

SERVER_FORMS = ("vllm serve", "python -m vllm.entrypoints.openai.api_server")
OFFLINE = "vllm.LLM"


def _fact(name: str, version: str | None) -> tuple[Any, str] | None:
    try:
        from . import vllm_data

        return vllm_data.fact(name, version)
    except (KeyError, ValueError, OSError):
        return None


# -- DPL504: architectures ---------------------------------------------------------------------


def architecture_support(launch: Launch, arch: ModelArch, version: str | None):
    if launch.args.has("hf_overrides"):
        return na("--hf-overrides may change the architecture vLLM sees")
    impl = (launch.args.value("model_impl") or "").strip().lower()
    if impl == "transformers":
        return na("--model-impl transformers runs the model through transformers")
    # From the release that has --model-impl, vLLM runs an architecture it does not implement
    # through its Transformers backend (ModelConfig model_impl "auto") when the installed
    # transformers knows the model type.
    fallback = (
        "vLLM may still run it through its Transformers backend (--model-impl auto) if the "
        "installed transformers knows the model type"
        if _has_option("--model-impl", version)
        else ""
    )
    return A.engine_support(("vllm",), launch, arch, version, fallback=fallback)


def _has_option(name: str, version: str | None) -> bool:
    try:
        from . import vllm_data

        return vllm_data.option_info(name, version) is not None
    except (KeyError, ValueError, OSError):
        return False


# -- DPL505: settings the release does not read --------------------------------------------------


def settings_not_read(launch: Launch, version: str | None) -> list[Problem]:
    from . import vllm_data

    out: list[Problem] = []
    phrase = version_phrase(launch)
    snap = vllm_data.snapshot_for(version)
    if launch.form in SERVER_FORMS:
        names = vllm_data.option_names(snap)
        abbrev = bool(vllm_data.fact("parser_allow_abbrev", snap)[0])
        inverse = vllm_data.inverse_flags(snap)
        for occ, word in S.option_words(launch):
            read, matches = _option_read(word, snap, names, abbrev, inverse)
            if read:
                continue
            hist = S.history(vllm_data.option_ranges(word), snap)
            if hist is None:
                continue  # never a vLLM option in any release read: not this rule's to judge
            kind, at = hist
            shown = " ".join([occ.flag.text, *(v.text for v in occ.values[:1])])
            stops = (
                f'argparse stops with "ambiguous option: {word} could match {", ".join(matches)}"'
                if matches
                else f'argparse stops with "unrecognized arguments: {shown}"'
            )
            out.append(
                Problem(
                    "option-not-read",
                    occ.flag.loc,
                    f"`{word}` is not an option of {phrase}: "
                    + S.history_phrase(kind, at, "vLLM")
                    + f", so {stops} and the server does not start",
                    f"drop `{word}`, or {S.pin_advice(kind, at, 'vLLM')}",
                    {
                        "option": word,
                        "history": f"{kind} in {at}",
                        "fact": f"vLLM option table per release ({vllm_data.source_file(snap)})",
                    },
                    anchor=f"option {word}",
                )
            )
    out.extend(_env_not_read(launch, snap, phrase))
    return out


def _option_read(
    word: str, snap: str, names: list[str], abbrev: bool, inverse: dict[str, str]
) -> tuple[bool, list[str]]:
    """(whether the release's parser accepts ``word``, the options it ambiguously abbreviates)."""
    from . import vllm_data

    if vllm_data.option_exists(word, snap) or word in inverse:
        return True, []
    norm = "--" + word[2:].replace("_", "-")
    if norm.startswith("--no-"):
        base = vllm_data.option_info_view("--" + norm[5:], snap)
        if base is not None and (base.get("negatable") or base.get("arity") == "flag"):
            return True, []
    if abbrev:
        hit = S.unique_prefix(norm, names)
        if hit is True:
            return True, []  # an abbreviation argparse accepts
        if hit is None:
            return False, sorted(n for n in names if n.startswith(norm))
    return False, []


def _env_not_read(launch: Launch, snap: str, phrase: str) -> list[Problem]:
    from . import vllm_data
    from .registry import env_loc

    out: list[Problem] = []
    warns = _fact("env_unknown_warning", snap)
    fatal = launch.args.flag("fail_on_environ_validation")
    declared = vllm_data.env_var_names(snap, registry_only=True)
    for name, value in sorted(launch.env.items()):
        if not name.startswith("VLLM_") or S.referenced(launch, name):
            continue
        present, entries = vllm_data.env_var_status(name, snap)
        if present:
            continue
        reaction = (
            f'{phrase} only logs "Unknown vLLM environment variable detected: {name}"'
            + (" and, with --fail-on-environ-validation, refuses to start" if fatal else "")
            if warns and warns[0]
            else f"{phrase} ignores it without a warning"
        )
        if entries:
            ranges = [(e["since"], e.get("until")) for e in entries]
            hist = S.history(ranges, snap)
            if hist is None:
                continue
            kind, at = hist
            if kind != "added" and not S.release_known(launch):
                # A variable older releases read, with the release unknown: the image may well
                # be one of them (nothing fails either way), so nothing is said.
                continue
            msg = (
                f"`{name}` is not read by {phrase}: "
                + S.history_phrase(kind, at, "vLLM")
                + f"; the setting has no effect: {reaction}"
            )
            fix = f"remove `{name}`" + (
                " and use the option that replaced it" if kind == "removed" else ""
            )
        else:
            guess = S.close_name(name, declared)
            if guess is None:
                continue  # a variable of the container's own, not a misspelt vLLM setting
            msg = (
                f"`{name}` is not a vLLM setting (no release read declares it); "
                f"{phrase} reads `{guess}`, which this probably means; as written it has no "
                f"effect: {reaction}"
            )
            fix = f"rename it to `{guess}`"
        out.append(
            S.env_problem(
                launch,
                name,
                value,
                msg,
                fix,
                {
                    "variable": name,
                    "fact": "VLLM_* variables per release (vllm/envs.py environment_variables; "
                    f"{vllm_data.source_file(snap)})",
                },
                env_loc,
            )
        )
    return out


# -- DPL206: the output budget of a request that sets none --------------------------------------


def output_budget(linked: Any, launch: Launch, call: ClientCall, version: str | None):
    from .. import facts as F

    sampling = call.sampling
    if "max_tokens" in sampling or "max_completion_tokens" in sampling:
        return na("the request sets its own limit")
    if call.api == "vllm-offline" and launch.form == OFFLINE:
        return _offline_budget(linked, launch, call, version)
    if launch.form not in (*SERVER_FORMS, "kserve huggingfaceserver", "kserve LLMInferenceService"):
        return na(f"`{launch.form}` requests are not modelled")
    if call.kind == "chat":
        f = _fact("chat_request_max_tokens_default", version)
        return OutputBudget(
            f[0] if f and isinstance(f[0], int) else None,
            "max_tokens",
            f[1] if f else "ChatCompletionRequest.max_tokens",
        )
    if not isinstance(call, F.ClientCall) or call.api not in ("openai", "http", "payload-file"):
        return na("not an OpenAI-compatible request")
    f = _fact("completion_request_max_tokens_default", version)
    if f is None or not isinstance(f[0], int):
        return na("no default known for this release")
    return OutputBudget(
        f[0],
        "max_tokens",
        f"/v1/completions CompletionRequest.max_tokens defaults to {f[0]} ({f[1]}); a null "
        "max_tokens is replaced by the same default",
        fix=f"send max_tokens (e.g. max_tokens=512) in every /v1/completions request to "
        f"{version_phrase(launch)}",
    )


def _offline_budget(linked: Any, launch: Launch, call: ClientCall, version: str | None):
    sp_default = _fact("sampling_params_max_tokens_default", version)
    if sp_default is None or not isinstance(sp_default[0], int):
        return na("no SamplingParams default known for this release")
    cap, src = sp_default
    if call.extra.get("default_sampling") is False:
        sp = call.extra.get("sampling_params")
        if not isinstance(sp, dict) or call.extra.get("sampling_params_complete") is False:
            return na("the sampling parameters are not known")
        if "max_tokens" in sp:
            return na("SamplingParams sets max_tokens")
        return OutputBudget(
            cap,
            "SamplingParams(max_tokens=...)",
            f"SamplingParams.max_tokens defaults to {cap} ({src})",
            fix="pass max_tokens to SamplingParams (e.g. SamplingParams(..., max_tokens=1024))",
        )
    if call.extra.get("default_sampling") is not True:
        return na("the sampling parameters are not known")
    reads = _fact("llm_default_sampling_from_model", version)
    fix = (
        "pass SamplingParams(max_tokens=...) to the call (or set max_new_tokens in the "
        "model's generation_config.json)"
    )
    if not (reads and reads[0]):
        return OutputBudget(
            cap,
            "sampling_params",
            f"without sampling params {version_phrase(launch)} uses SamplingParams(), whose "
            f"max_tokens defaults to {cap} ({src})",
            fix=fix,
        )
    from .vllm import generation_config_mode

    flag = launch.args.value("generation_config")
    mode, why = generation_config_mode(version, flag)
    base = (
        f"without sampling params LLM.generate/chat use LLM.get_default_sampling_params(): "
        f"SamplingParams.max_tokens defaults to {cap} ({src})"
    )
    if mode == "vllm" or mode is None:
        return OutputBudget(cap, "sampling_params", f"{base}; {why}", fix=fix)
    md = launch.model.directory if launch.model is not None else None
    folder = None
    if mode not in ("auto", "vllm"):
        folder = linked.model_dir(p) if (p := linked.local_path(launch, mode)) else None
    gc_dir = folder or md
    if gc_dir is not None and "generation_config.json" in gc_dir.names:
        gc = gc_dir.json("generation_config.json")
        if "generation_config.json" in gc_dir.docs and "max_new_tokens" not in gc:
            return OutputBudget(
                cap,
                "sampling_params",
                f"{base}, and {gc_dir.path.name}/generation_config.json sets no max_new_tokens",
                fix=fix,
            )
        return na("the model's generation_config.json may set max_new_tokens")
    if gc_dir is not None and gc_dir.has_config:
        return OutputBudget(
            cap,
            "sampling_params",
            f"{base}, and {gc_dir.path.name} has no generation_config.json",
            fix=fix,
        )
    return OutputBudget(
        cap,
        "sampling_params",
        base,
        unless="the model's generation_config.json sets max_new_tokens (few do)",
        fix=fix,
    )


# -- DPL104: special tokens added to text prompts ------------------------------------------------


def prompt_special_tokens(launch: Launch, call: ClientCall, version: str | None):
    if call.api == "vllm-offline" and launch.form == OFFLINE:
        return SpecialTokens(
            True,
            "LLM.generate tokenizes a text prompt with the tokenizer's special tokens "
            "(add_special_tokens defaults to True; vllm issue #27486)",
            "pass token ids (TokensPrompt(prompt_token_ids=tokenizer.encode(text, "
            "add_special_tokens=False))) or let llm.chat apply the template",
        )
    if call.kind == "chat":
        return na("the server renders the chat template itself")
    if launch.form not in SERVER_FORMS:
        return na(f"`{launch.form}` requests are not modelled")
    f = _fact("completion_request_add_special_tokens_default", version)
    added = f[0] if f and isinstance(f[0], bool) else True
    src = (
        f"/v1/completions CompletionRequest.add_special_tokens defaults to {added} ({f[1]})"
        if f and isinstance(f[0], bool)
        else "/v1/completions tokenizes the prompt with the tokenizer's special tokens "
        "(no add_special_tokens field in this release)"
    )
    return SpecialTokens(added, src, '"add_special_tokens": false in the request body')


__all__ = ["architecture_support", "output_budget", "prompt_special_tokens", "settings_not_read"]
