#!/bin/bash
set -e
MODEL_PATH=outputs/sql-merged

python -m vllm.entrypoints.openai.api_server \
    --model "$MODEL_PATH" \
    --served-model-name sql-assistant \
    --max-model-len 4096 \
    --port 8000
