#!/bin/sh
# YaRN added "for long context", but the server is capped at 16k: static YaRN only costs quality.
python -m sglang.launch_server --model-path ./models/qwen3-8b --context-length 16384 \
  --json-model-override-args '{"rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}}'
