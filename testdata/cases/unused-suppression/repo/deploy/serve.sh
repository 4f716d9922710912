#!/usr/bin/env bash
# The eval server was switched to the instruct checkpoint; the suppression stayed behind.
# deploylint: ignore[DPL201] completion-only eval server, never used for chat
exec vllm serve Qwen/Qwen2.5-7B-Instruct \
    --port 8100 \
    --max-model-len 8192

# A typo: the letter O instead of a zero suppresses nothing.
# deploylint: ignore[DPL2O1] scoring harness
vllm serve Qwen/Qwen2.5-14B-Instruct --port 8200
