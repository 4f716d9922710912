#!/bin/sh
# Completion-only evaluation server: suppressed in source, with a reason.
# deploylint: ignore[DPL201] completion-only eval server, never used for chat
vllm serve Qwen/Qwen2.5-14B --port 8100
