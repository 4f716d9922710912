#!/bin/sh
# Near-miss: YaRN factor 4 over 32768 covers 131072.
vllm serve ./models/qwen25-14b-instruct --max-model-len 131072 --host 127.0.0.1 --port 8002 \
  --hf-overrides '{"rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}}'
