#!/usr/bin/env python3
"""Dev tool: compare deploylint's LLaMA-Factory emulator with a real LLaMA-Factory install.

Run it with the Python of a throwaway virtualenv where one LLaMA-Factory release is installed
(not part of the test suite; needs torch/transformers/tokenizers there)::

    python -m venv /tmp/lfenv
    /tmp/lfenv/bin/pip install torch==2.13.0 llamafactory==0.9.1   # (+ "pyarrow<17" for numpy 1.x)
    /tmp/lfenv/bin/python scripts/check_llamafactory_parity.py

For every template of the installed release and a set of probe conversations it builds a fresh
byte-level tokenizer (every string round-trips through encode/decode; the template's special
tokens are added as atomic tokens), lets LLaMA-Factory fix it (``get_template_and_fix_tokenizer``:
eos replacement, stop words), encodes the probes with ``Template.encode_oneturn`` (inference
prompt, ``messages + [empty assistant]``) and ``Template.encode_multiturn`` (training sequence,
plus the final eos of ``efficient_eos`` templates, as the supervised processor does), decodes the
ids and compares them with ``deploylint.templates.llamafactory.format_conversation`` for the same
version. Exit status 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import copy
import importlib.machinery
import inspect
import json
import logging
import os
import sys
import types
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploylint.templates import llamafactory as dl  # noqa: E402

BOS, EOS = "<s>", "</s>"

U1 = {"role": "user", "content": "Hello, who are you?"}
A1 = {"role": "assistant", "content": "I'm a bot.\nNice to meet you."}
U2 = {"role": "user", "content": "Tell me 'more', 你好 {{idx}}"}
A2 = {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nSure."}
A2P = {"role": "assistant", "content": "Sure, plain."}
SYS = {"role": "system", "content": "Be brief."}
T1 = {"role": "tool", "content": '{"temp": 21}'}

PROBES: list[tuple[str, list[dict[str, Any]]]] = [
    ("u", [U1]),
    ("s+u", [SYS, U1]),
    ("u/a/u", [U1, A1, U2]),
    ("s+u/a/u", [SYS, U1, A1, U2]),
    ("u/a", [U1, A1]),
    ("s+u/a/u/a(think)", [SYS, U1, A1, U2, A2]),
    ("u/a/u/a", [U1, A1, U2, A2P]),
    ("u/a(think)/u", [U1, A2, U2]),
    ("u/a/tool", [U1, A1, T1]),
]


def _stub_unloadable(names: tuple[str, ...] = ("torchaudio",)) -> None:
    """Newer LLaMA-Factory imports torchaudio at module level (mm_plugin.py); no torchaudio
    build matches a CPU-only torch on every index, and the text templates never use it, so a
    module that cannot be imported is replaced by an empty stub."""
    for name in names:
        try:
            __import__(name)
        except Exception as exc:  # noqa: BLE001 - any import failure
            print(f"note: {name} cannot be imported ({type(exc).__name__}); using an empty stub")
            stub = types.ModuleType(name)
            stub.__spec__ = importlib.machinery.ModuleSpec(name, None)
            sys.modules[name] = stub


def _lf_modules() -> tuple[Any, str]:
    os.environ.setdefault("LLAMAFACTORY_VERBOSITY", "WARN")
    logging.disable(logging.WARNING)
    _stub_unloadable()
    try:
        import llamafactory  # type: ignore
        from llamafactory.data import template as lf_template  # type: ignore
    except ImportError:
        import llmtuner as llamafactory  # type: ignore
        from llmtuner.data import template as lf_template  # type: ignore
    version = getattr(llamafactory, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version("llamafactory")
    return lf_template, version


def _special_tokens(rec: dict[str, Any]) -> list[str]:
    """Strings to register as atomic tokens: {"token"} slots, stop words, chat markers."""
    out: set[str] = set(rec.get("stop_words") or [])
    for key, value in rec.items():
        if key.startswith("format_") and isinstance(value, list):
            for slot in value:
                if isinstance(slot, dict) and "token" in slot:
                    out.add(slot["token"])
    return sorted(out)


def make_tokenizer(extra_special: list[str]) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    byte_chars = pre_tokenizers.ByteLevel.alphabet()
    vocab = {"<unk>": 0, BOS: 1, EOS: 2}
    for ch in sorted(byte_chars):
        vocab.setdefault(ch, len(vocab))
    core = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core.decoder = decoders.ByteLevel()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token=BOS,
        eos_token=EOS,
        unk_token="<unk>",
        clean_up_tokenization_spaces=False,
    )
    if extra_special:
        tok.add_special_tokens({"additional_special_tokens": extra_special})
    return tok


def _get_lf_template(lf_template: Any, tok: Any, name: str, thinking: bool) -> Any:
    fn = lf_template.get_template_and_fix_tokenizer
    params = list(inspect.signature(fn).parameters)
    if "data_args" in params:
        data_args = SimpleNamespace(
            template=name,
            train_on_prompt=False,
            tool_format=None,
            default_system=None,
            enable_thinking=thinking,
            preserve_thinking=False,
            mask_history=False,
        )
        return fn(tok, data_args)
    return fn(tok, name=name)


def _lf_messages(messages: list[dict[str, Any]]) -> tuple[list[dict[str, str]], str | None]:
    system = None
    if messages and messages[0]["role"] == "system":
        system = messages[0]["content"]
        messages = messages[1:]
    role = {"user": "user", "assistant": "assistant", "tool": "observation"}
    return [{"role": role[m["role"]], "content": m["content"]} for m in messages], system


def lf_render(template: Any, tok: Any, messages: list[dict[str, Any]], generate: bool) -> str:
    msgs, system = _lf_messages(messages)
    inference = generate and msgs[-1]["role"] != "assistant"
    if inference:
        prompt_ids, _ = template.encode_oneturn(
            tok, msgs + [{"role": "assistant", "content": ""}], system
        )
        ids = list(prompt_ids)
    else:
        if len(msgs) % 2:
            raise ValueError("training sequences are pairs")
        ids = []
        for source, target in template.encode_multiturn(tok, msgs, system):
            ids += list(source) + list(target)
        if template.efficient_eos:
            ids.append(tok.eos_token_id)
    return tok.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--templates", nargs="*", help="only these templates")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args(argv)

    lf_template, lf_version = _lf_modules()
    resolved = dl.resolve_version(lf_version)
    print(f"LLaMA-Factory {lf_version} installed; deploylint snapshot {resolved}")
    registry = getattr(lf_template, "TEMPLATES", None) or lf_template.templates  # <= 0.7: lowercase
    names = sorted(registry)
    if args.templates:
        names = [n for n in names if n in args.templates]
    results: dict[str, Any] = {"llamafactory": lf_version, "snapshot": resolved, "templates": {}}
    total = ok = skipped = 0
    for name in names:
        ours = dl.get_template(name, lf_version)
        if ours is None:
            print(f"  {name}: missing from the snapshot")
            results["templates"][name] = "missing"
            total += 1
            continue
        if ours.template_class not in dl.SUPPORTED_CLASSES:
            results["templates"][name] = f"skipped ({ours.template_class})"
            skipped += 1
            continue
        row: dict[str, str] = {}
        thinking_options = (True, False) if ours.is_reasoning else (True,)
        for thinking in thinking_options:
            for default_system in (None, "Custom default."):
                for label, messages in PROBES:
                    for generate in (True, False):
                        key = (
                            f"{label}|gen={generate}|ds={default_system is not None}"
                            f"|thinking={thinking}"
                        )
                        has_tool = any(m["role"] == "tool" for m in messages)
                        if not generate and (messages[-1]["role"] != "assistant" or has_tool):
                            continue
                        tok = make_tokenizer(_special_tokens(ours.record))
                        eos_before = tok.eos_token
                        lf_tpl = _get_lf_template(lf_template, tok, name, thinking)
                        if default_system is not None:  # the data argument, on a copy
                            lf_tpl = copy.copy(lf_tpl)
                            lf_tpl.default_system = default_system
                        try:
                            theirs = lf_render(lf_tpl, tok, messages, generate)
                        except Exception as exc:  # noqa: BLE001 - report upstream failures
                            row[key] = f"upstream error: {exc!r}"
                            continue
                        mine = dl.format_conversation(
                            ours,
                            messages,
                            default_system=default_system,
                            add_generation_prompt=generate,
                            bos_token=BOS,
                            eos_token=eos_before,
                            enable_thinking=thinking,
                        )
                        total += 1
                        if mine == theirs:
                            ok += 1
                            row[key] = "ok"
                        else:
                            row[key] = f"MISMATCH\n  lf:   {theirs!r}\n  ours: {mine!r}"
                            print(f"  {name} {key}: {row[key]}")
        results["templates"][name] = row
    print(f"{ok}/{total} renders identical, {skipped} templates skipped")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    return 0 if ok == total else 1


if __name__ == "__main__":
    raise SystemExit(main())
