#!/usr/bin/env bash
# Serve a Qwen model with two LoRA adapters on SGLang.
set -euo pipefail

MODEL=${MODEL:-Qwen/Qwen2.5-7B-Instruct}
PORT=30001

exec env CUDA_VISIBLE_DEVICES=0,1 python3 -m sglang.launch_server \
    --trust-remote-code \
    --model-path "$MODEL" \
    --enable-lora \
    --lora-paths support=/adapters/support '{"lora_name":"sql","lora_path":"/adapters/sql","pinned":true}' \
    --max-loras-per-batch 4 \
    --tp 2 \
    --host 0.0.0.0 --port=$PORT \
    --chat-template ./templates/qwen.jinja
