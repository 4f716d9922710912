#!/usr/bin/env bash
# Completion-only scoring server; the finding sits on a continuation line of the command.
# deploylint: ignore[DPL201] completion-only eval server, never used for chat
exec python3 -m vllm.entrypoints.openai.api_server \
    --model Qwen/Qwen2.5-14B \
    --port 8100
