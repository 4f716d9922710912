#!/usr/bin/env bash
# Document-photo OCR service, images capped at 1280 tokens each.
set -euo pipefail

exec vllm serve Qwen/Qwen2.5-VL-7B-Instruct \
  --served-model-name ocr \
  --port 8000 \
  --max-model-len 8192 \
  --limit-mm-per-prompt '{"image": 2}' \
  --mm-processor-kwargs '{"min_pixels": 3136, "max_pixels": 1003520}' \
  --gpu-memory-utilization 0.9
