"""DPL103 missing-chat-template: reproduce the engine's template resolution with the tokenizer it
loads (vLLM, SGLang and transformers resolve the template through transformers' tokenizer):
confirmed when applying the chat template fails the way the finding says."""

from __future__ import annotations

from . import CONFIRMED, NOT_CONFIRMED, Skip, Verdict
from .common import CONVERSATION

HF_ENGINES = {"vllm", "sglang", "transformers"}
LIVE = {
    "tgi": "TGI (/chat_tokenize)",
    "ollama": "Ollama (/api/show)",
    "llamacpp": "llama.cpp server (/apply-template)",
}


def decide(error: str | None, rendered: str | None) -> tuple[str, str]:
    if error is not None:
        return CONFIRMED, f"applying the chat template fails: {error}"
    return NOT_CONFIRMED, "the tokenizer renders the conversation with a chat template"


def run(subject, ctx):
    engine = subject.engine
    if engine not in HF_ENGINES:
        live = LIVE.get(engine or "")
        raise Skip(
            f"{engine or 'this engine'} resolves templates in its own code, which cannot run "
            "here"
            + (
                f"; check the running server with `deploylint verify --endpoint` ({live})"
                if live
                else ""
            )
        )
    if subject.launch is not None and subject.launch.args.last("chat_template") is not None:
        raise Skip("the launch passes --chat-template; the probe checks the model's own files")
    be = ctx.backend
    tok = be.tokenizer(subject.tokenizer_dir, subject.model_ref)
    error = rendered = None
    try:
        rendered = tok.apply_chat_template(
            [dict(m) for m in CONVERSATION], tokenize=False, add_generation_prompt=True
        )
    except Exception as e:  # noqa: BLE001 - the failure is the evidence
        error = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
    status, reason = decide(error, rendered)
    ev = {
        "tokenizer": str(subject.tokenizer_dir) if subject.tokenizer_dir else subject.model_ref,
        "conversation": CONVERSATION,
        "error": error,
        "rendered": rendered,
        "tokenizer_chat_template": getattr(tok, "chat_template", None) is not None,
    }
    return Verdict(status, reason, ev)
