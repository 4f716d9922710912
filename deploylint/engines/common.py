"""Answers several engines give the same way (they read the same Hugging Face files)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import ContextLength, RemoteCode, StopSet

if TYPE_CHECKING:
    from ..facts import Launch, ModelDir

# Token ids whose text is fixed across the families deploylint knows (Qwen2/2.5/3 and Llama-3
# tokenizers: tokenizer_config.json added_tokens_decoder of Qwen/Qwen2.5-7B-Instruct and
# meta-llama/Llama-3.1-8B-Instruct).
KNOWN_IDS = {
    151643: "<|endoftext|>",
    151645: "<|im_end|>",
    128001: "<|end_of_text|>",
    128008: "<|eom_id|>",
    128009: "<|eot_id|>",
}


def version_phrase(launch: Launch) -> str:
    """'vLLM 0.6.0' or 'vLLM (version not pinned; 0.33.0, the newest known, assumed)'."""
    from . import DISPLAY_NAMES

    name = DISPLAY_NAMES.get(launch.engine, launch.engine)
    v = launch.version
    if v is None or v.version is None:
        return f"{name} (version unknown; newest known behaviour assumed)"
    if v.pinned:
        return f"{name} {v.version}"
    return f"{name} (version not pinned; {v.version}, the newest known, assumed)"


def _id_to_text(md: ModelDir) -> dict[int, str]:
    from ..tokenizers import added_token_ids

    out = dict(KNOWN_IDS)
    for t, i in added_token_ids(md).items():
        out[i] = t
    return out


def hf_stop_set(md: ModelDir, gc_md: ModelDir | None = None) -> StopSet:
    """What an engine built on Hugging Face files stops on: the tokenizer's eos_token and every
    id in generation_config.json `eos_token_id` (read from ``gc_md`` when the engine is told to
    read the generation config elsewhere)."""
    from ..tokenizers import special_tokens

    stops: set[str] = set()
    why: list[str] = []
    eos = special_tokens(md).get("eos_token")
    if eos:
        stops.add(eos)
        why.append(f"tokenizer eos_token {eos!r}")
    src = gc_md if gc_md is not None and "generation_config.json" in gc_md.docs else md
    gc = src.json("generation_config.json")
    ids = gc.get("eos_token_id")
    id_list = ids if isinstance(ids, list) else ([ids] if isinstance(ids, int) else [])
    names = _id_to_text(md)
    where = "generation_config.json" if src is md else f"{src.path.name}/generation_config.json"
    for i in id_list:
        if isinstance(i, int) and not isinstance(i, bool):
            t = names.get(i)
            stops.add(t or f"<id {i}>")
            why.append(f"{where} eos_token_id {i}" + (f" ({t})" if t else ""))
    return StopSet(frozenset(stops), tuple(why))


def flag_remote_code(launch: Launch, dest: str, flag: str) -> RemoteCode:
    """``trust_remote_code`` from a boolean flag (off unless given)."""
    occ = launch.args.last(dest)
    on = launch.args.flag(dest)
    if on:
        where = occ.loc if occ is not None else None
        origin = occ.flag.origin if occ is not None else None
        if origin and origin.startswith("environment variable"):
            return RemoteCode(True, origin, where)
        if launch.context.startswith("Python"):
            return RemoteCode(True, f"`{dest}=True`", where)
        return RemoteCode(True, f"`{flag}`", where)
    return RemoteCode(False, f"{flag} not given (off by default)")


def launch_value(launch: Launch, *dests: str) -> Any:
    for d in dests:
        v = launch.args.value(d)
        if v is not None:
            return v
    return None


# -- security and context (DPL601, DPL602, DPL502, DPL503, DPL205) -------------------------------

_DTYPE_NAMES = {
    "half": "float16",
    "float16": "float16",
    "fp16": "float16",
    "f16": "float16",
    "torch.float16": "float16",
    "torch.half": "float16",
    "bfloat16": "bfloat16",
    "bf16": "bfloat16",
    "torch.bfloat16": "bfloat16",
    "float": "float32",
    "float32": "float32",
    "fp32": "float32",
    "torch.float32": "float32",
    "torch.float": "float32",
    "auto": "auto",
}


def normal_dtype(text: str) -> str:
    """A dtype as engines and torch spell it, in one name ("half" -> "float16")."""
    t = text.strip().strip("\"'").lower()
    return _DTYPE_NAMES.get(t, t)


def option_setting(launch: Launch, dest: str, flag: str, normalise: Any = None) -> Any:
    """A ``Setting`` for an option given on the command line (None when absent or unresolved)."""
    from .base import Setting

    occ = launch.args.last(dest)
    if occ is None or not occ.values:
        return None
    tok = occ.values[0]
    if not tok.resolved:
        return None
    value = normalise(tok.text) if normalise is not None else tok.text
    if launch.context.startswith("Python"):  # a keyword argument (vllm.LLM(dtype="half"))
        return Setting(value, f"`{dest}={tok.text!r}`", occ.loc)
    return Setting(value, f"`{flag} {tok.text}`", occ.loc)


def dtype_setting(launch: Launch, dest: str, flag: str, default: str, default_source: str) -> Any:
    from .base import Setting

    got = option_setting(launch, dest, flag, normal_dtype)
    if got is not None:
        return got
    occ = launch.args.last(dest)
    if occ is not None:  # given but not resolved: not known
        return Setting(None, f"`{flag}` from a value the scan cannot see", occ.loc)
    return Setting(default, default_source, None)


def bind_setting(launch: Launch, dest: str, flag: str, default: str, default_source: str) -> Any:
    from .base import Setting

    occ = launch.args.last(dest)
    if occ is not None and occ.values:
        tok = occ.values[0]
        if not tok.resolved:
            return Setting(None, f"`{flag}` from a value the scan cannot see", occ.loc)
        origin = f" ({tok.origin})" if tok.origin else ""
        return Setting(tok.text, f"`{flag} {tok.text}`{origin}", occ.loc)
    return Setting(default, default_source, None)


def parse_tokens_count(text: str) -> int | None:
    """A token count as written: "32768", or vLLM's human-readable form ("1k" = 1000, "1K" = 1024,
    "1m"/"1M" likewise: vllm/utils human_readable_int)."""
    t = text.strip().strip("\"'").replace("_", "")
    if not t:
        return None
    mult = {"k": 1000, "K": 1024, "m": 1000**2, "M": 1024**2}.get(t[-1], 1)
    if mult != 1:
        t = t[:-1]
    try:
        v = float(t)
    except ValueError:
        return None
    if v < 0 or v > 1e12:
        return None
    return int(v * mult)


def keys_auth(
    launch: Launch,
    dest: str,
    flag: str,
    env_names: tuple[str, ...] = (),
    *,
    unprotected: str = "",
    supported: bool = True,
    none_source: str = "",
    basis: str = "",
) -> Any:
    """An ``Auth`` from a key option (several values allowed) and the variables the engine also
    reads it from (the option wins)."""
    from .base import Auth

    setting = " or ".join([f"`{flag}`", *env_names])
    occs = launch.args.options.get(dest, [])
    if occs:
        toks = [t for o in occs for t in o.values]
        if not toks:
            return Auth(
                supported,
                ("",),
                f"`{flag}` given without a value",
                occs[-1].loc,
                unprotected=unprotected,
                setting=setting,
            )
        keys = tuple(t.text for t in toks if t.resolved)
        unresolved = any(not t.resolved for t in toks)
        shown = " ".join(repr(k) for k in keys) if keys else "a value the scan cannot see"
        return Auth(
            supported, keys, f"`{flag} {shown}`", occs[-1].loc, unresolved, unprotected, setting
        )
    for name in env_names:
        ev = launch.env.get(name)
        if ev is None:
            continue
        if not ev.resolved:
            return Auth(
                supported,
                (),
                f"{name} from {ev.origin or 'the environment'}",
                None,
                True,
                unprotected,
                setting,
            )
        return Auth(
            supported,
            (ev.value,),
            f"{name}={ev.value!r} ({ev.origin})",
            None,
            False,
            unprotected,
            setting,
        )
    return Auth(
        supported, (), none_source or f"no `{flag}`", None, False, unprotected, setting, basis
    )


def env_flag(launch: Launch, name: str) -> Any:
    """A ``Setting`` for a true-ish environment variable of the launch (None: unset or false)."""
    from .base import Setting

    ev = launch.env.get(name)
    if ev is None or not ev.resolved:
        return None
    if ev.value.strip().lower() in ("1", "true", "yes", "on"):
        return Setting(True, f"{name}={ev.value} ({ev.origin})", None)
    return None


def json_option(launch: Launch, dest: str) -> tuple[Any, Any]:
    """(parsed JSON object, occurrence) of an option whose value is JSON (None when absent or not
    an object)."""
    import json

    occ = launch.args.last(dest)
    if occ is None or not occ.values or not occ.resolved:
        return None, None
    try:
        data = json.loads(occ.values[0].text)
    except ValueError:
        return None, occ
    return (data if isinstance(data, dict) else None), occ


def context_from_option(
    launch: Launch, dest: str, flag: str, option: str, **common: Any
) -> ContextLength | None:
    """The context window an option sets (``flag N``, with ``k``/``K`` suffixes), or None when the
    option is absent, unresolved or not a positive count."""
    occ = launch.args.last(dest)
    if occ is None or not occ.values or not occ.resolved:
        return None
    n = parse_tokens_count(occ.values[0].text)
    if n is None or n <= 0:
        return None
    return ContextLength(n, f"`{flag} {occ.values[0].text}`", occ.loc, option, **common)
