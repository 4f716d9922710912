#!/usr/bin/env bash
# Serve the support fine-tune directly.
set -euo pipefail
ADAPTER_DIR="${ADAPTER_DIR:-../models/qwen-support-lora}"
vllm serve "$ADAPTER_DIR" --port 8100 --max-model-len 8192
