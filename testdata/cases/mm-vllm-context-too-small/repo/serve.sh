#!/usr/bin/env bash
# Document-photo OCR service.
set -euo pipefail

exec vllm serve Qwen/Qwen2.5-VL-7B-Instruct \
  --served-model-name ocr \
  --port 8000 \
  --max-model-len 8192 \
  --limit-mm-per-prompt '{"image": 2}' \
  --gpu-memory-utilization 0.9
