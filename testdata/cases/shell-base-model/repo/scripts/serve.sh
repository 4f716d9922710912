#!/usr/bin/env bash
set -euo pipefail

MODEL="${MODEL:-Qwen/Qwen2.5-7B}"
PORT=${PORT:-8000}
export CUDA_VISIBLE_DEVICES=0,1

# Completion-only scoring server for the pretraining eval harness.
# deploylint: ignore[DPL201] completion-only eval server, never used for chat
nohup vllm serve meta-llama/Llama-3.1-8B --port 8100 > llama.log 2>&1 &

exec python3 -m vllm.entrypoints.openai.api_server \
    --model "$MODEL" \
    --port "$PORT" \
    --tensor-parallel-size 2 \
    --trust-remote-code
