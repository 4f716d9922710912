#!/bin/sh
# The guard switched off: it starts, and garbles everything past 32k.
VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 vllm serve ./models/qwen25-14b-instruct --max-model-len 65536 \
  --host 127.0.0.1 --port 8001
