"""Command-line options of `--verify` and `deploylint verify` (light: no heavy imports)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass


def _positive_float(value: str) -> float:
    try:
        f = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if f <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0: {value!r}")
    return f


def _tokens(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 1 <= n <= 4096:
        raise argparse.ArgumentTypeError(f"must be between 1 and 4096: {value!r}")
    return n


def add_verify_options(p: argparse.ArgumentParser, *, shortcut: bool = False) -> None:
    """The `--verify` group (shortcut: `deploylint verify`, where --verify is implied)."""
    g = p.add_argument_group("verify (confirm findings with the real model or server)")
    if not shortcut:
        g.add_argument(
            "--verify",
            action="store_true",
            help="run each finding's probe with the real model and attach the verdict "
            "(needs the `verify` extra)",
        )
    g.add_argument(
        "--verify-backend",
        choices=("auto", "transformers", "vllm"),
        default="auto",
        help="auto: vLLM for vLLM deployments when it imports and a GPU is present, else "
        "transformers",
    )
    g.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    g.add_argument(
        "--max-new-tokens",
        type=_tokens,
        default=24,
        metavar="N",
        help="tokens each probe generates (default 24)",
    )
    g.add_argument(
        "--verify-timeout",
        type=_positive_float,
        default=300.0,
        metavar="S",
        help="seconds one probe may take, model loading included (default 300)",
    )
    g.add_argument(
        "--allow-download",
        action="store_true",
        help="download models that are not in the local Hugging Face cache",
    )
    g.add_argument(
        "--allow-pickle",
        action="store_true",
        help="load pickle weights (pytorch_model.bin); default: safetensors only",
    )
    g.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="run a model repository's own Python code (auto_map); default: refuse",
    )
    g.add_argument(
        "--verify-drop-unconfirmed",
        action="store_true",
        help="do not report findings whose probe ran and did not confirm them",
    )


ENDPOINT_ENGINES = ("vllm", "tgi", "llamacpp", "ollama")


def add_endpoint_options(p) -> None:
    g = p.add_argument_group("live mode (ask a running server for the prompt it builds)")
    g.add_argument("--endpoint", metavar="URL", help="the server's base URL (http:// or https://)")
    g.add_argument(
        "--api-key-env",
        metavar="NAME",
        help="environment variable holding the server's API key (sent as a Bearer token)",
    )
    g.add_argument(
        "--endpoint-engine",
        choices=("auto", *ENDPOINT_ENGINES),
        default="auto",
        help="the server's engine (default: detected from its endpoints)",
    )
    g.add_argument("--served-model", metavar="NAME", help="the served model to ask about")
    g.add_argument(
        "--reference",
        metavar="MODEL_DIR|MODEL_ID|llamafactory:TEMPLATE[@VERSION]",
        help="the template to compare with (default: the deployment in PATH that serves the "
        "model, else the model's own template from the local Hugging Face cache)",
    )
    g.add_argument(
        "--request-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds per request (default 10)",
    )


@dataclass
class VerifyOptions:
    backend: str = "auto"
    device: str = "auto"
    max_new_tokens: int = 24
    timeout: float = 300.0
    allow_download: bool = False
    allow_pickle: bool = False
    trust_remote_code: bool = False
    drop_unconfirmed: bool = False
    seed: int = 0

    @classmethod
    def from_args(cls, args) -> VerifyOptions:
        return cls(
            backend=args.verify_backend,
            device=args.device,
            max_new_tokens=args.max_new_tokens,
            timeout=args.verify_timeout,
            allow_download=args.allow_download,
            allow_pickle=args.allow_pickle,
            trust_remote_code=args.trust_remote_code,
            drop_unconfirmed=args.verify_drop_unconfirmed,
        )
