"""Python client, inference and training scripts → facts.

What is recognised (each call site becomes a fact with its location), one module per library in
``recognisers/`` (the list is ``registry.RECOGNISERS``):

* OpenAI SDK clients (`OpenAI`, `AsyncOpenAI`, `AzureOpenAI`, the module-level `openai.*` client and
  the pre-1.0 `openai.ChatCompletion`/`openai.Completion`), LangChain `ChatOpenAI`/`OpenAI`/
  `ChatOllama` → `ClientCall` (api "openai" / "ollama");
* raw HTTP (`requests`, `httpx`, `aiohttp`) to `/chat/completions`, `/v1/completions`, Ollama's
  `/api/chat` and `/api/generate` → `ClientCall` (api "http" / "ollama");
* vLLM offline: `LLM(...)` → a `Launch` built from synthesized command-line words (so it reads like
  `vllm serve`), `llm.chat` / `llm.generate` with `SamplingParams` and `LoRARequest`;
* LMDeploy `pipeline(...)` with its engine/template configs → a `Launch`; calls with
  `GenerationConfig`;
* the Ollama Python client;
* transformers / PEFT / TRL / Unsloth model handling → `PeftOp`s (load, adapters, get_peft_model,
  merge, save, generate) and `apply_chat_template` / `generate` → `ClientCall` (api "transformers").

Values are resolved within the module only (``evaluator.py``): literals, constants and local
variables in straight-line code, f-strings and concatenation, `os.environ` defaults, dict/list
literals (also built up with `append`/`+=`/`insert`), `**kwargs` from literal dicts, argparse
defaults, `self.x` set in a class, the single return value of a local function. Anything else is
reported as unresolved, never guessed. The scanned code is parsed with the stdlib `ast`, never
imported or executed; a cheap text pre-filter skips modules that mention none of the libraries.

An unresolved `Value` has `value=None`, `resolved=False` and an `origin` saying what it depends
on. Keys this source puts in `ClientCall.extra` (when they apply):

* `prompt_is_raw_text`: True (plain strings), False (output of `apply_chat_template`), None
  (cannot tell); `prompt_has_chat_markup`: the literal text already holds turn markers;
* `default_sampling`: no SamplingParams / GenerationConfig given (the engine's defaults apply);
* `do_sample` (LMDeploy): a `Value(False)` whose origin names LMDeploy's GenerationConfig default
  when the code does not set `do_sample`;
* `extra_body` (dict of Values), `options` (Ollama), `sampling_params` / `gen_config` /
  `generate_kwargs` (every keyword as a Value), `lora_request` (the adapter path) and
  `lora_name`, `add_generation_prompt` (a Value, or None when not given: transformers defaults to
  False), `chat_template`, `chat_template_kwargs`, `stream`, `client_var`, `client`
  ("unresolved" when the receiver is not known), `route` for HTTP, `unresolved_kwargs` (the
  `**x` that could not be expanded), `framework` ("langchain").
"""

from __future__ import annotations

import ast
import sys
import warnings
from typing import TypeVar

from ...facts import ClientCall, Diagnostic, Launch, PeftOp
from ...location import Loc, SourceFile
from .. import FileFacts
from .evaluator import Evaluator
from .keys import REQUEST_EXTRA_KEYS, SAMPLING_KEYS

__all__ = ["KEYWORDS", "REQUEST_EXTRA_KEYS", "SAMPLING_KEYS", "parse"]

# A module that mentions none of these is not parsed.
KEYWORDS = (
    "openai",
    "OpenAI",
    "chat/completions",
    "/v1/completions",
    "vllm",
    "LLM(",
    "SamplingParams",
    "from_pretrained",
    "apply_chat_template",
    "peft",
    "PeftModel",
    "lmdeploy",
    "pipeline(",
    "ollama",
    "requests",
    "httpx",
    "generate(",
    "Trainer(",
    "save_pretrained",
)


def parse(sf: SourceFile, facts: FileFacts) -> None:
    text = sf.text
    if not any(k in text for k in KEYWORDS):
        return
    try:
        with warnings.catch_warnings():
            # The scanned file's own problems (`1if x else 2`, invalid escapes) are not ours to
            # print: compile() would write a SyntaxWarning to stderr for each.
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=str(sf.path))
    except SyntaxError as e:
        line = e.lineno if isinstance(e.lineno, int) and e.lineno > 0 else 1
        col = e.offset if isinstance(e.offset, int) and e.offset > 0 else 1
        ver = f"{sys.version_info.major}.{sys.version_info.minor}"
        # Code valid for another Python (3.12+ f-strings, Python 2) is not a broken deployment
        # file: it is reported as not analysed, at info.
        facts.diagnostics.append(
            Diagnostic(
                Loc(sf.path, line, col, line, col + 1),
                f"not analysed: cannot parse Python with the Python {ver} grammar ({e.msg}); the "
                "file may use syntax of another Python version",
                anchor=e.msg or "syntax",
                severity="info",
            )
        )
        return
    except (ValueError, MemoryError) as e:  # NUL bytes, ...
        facts.diagnostics.append(
            Diagnostic(Loc(sf.path, 1, 1, 1, 2), f"cannot parse Python: {e}", "python")
        )
        return
    analyse(facts, tree, Evaluator(sf, text, facts))


def analyse(facts: FileFacts, tree: ast.Module, evaluator: Evaluator) -> None:
    """Run ``evaluator`` over a parsed module (a file, or a notebook's code cells)."""
    n_launch, n_call, n_op = len(facts.launches), len(facts.clients), len(facts.peft_ops)
    try:
        evaluator.run(tree)
    except RecursionError:
        pass  # nested beyond what we follow: keep what was found
    # Functions are analysed after the module body; report in source order.
    _sort_from(facts.launches, n_launch)
    _sort_from(facts.clients, n_call)
    _sort_from(facts.peft_ops, n_op)


FactT = TypeVar("FactT", Launch, ClientCall, PeftOp)


def _sort_from(lst: list[FactT], start: int) -> None:
    lst[start:] = sorted(lst[start:], key=lambda f: (f.loc.line or 0, f.loc.col or 0))
