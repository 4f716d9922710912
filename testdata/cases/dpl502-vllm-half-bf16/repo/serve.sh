#!/bin/sh
# Qwen3 saved in bf16, run in fp16 "to be safe on older GPUs".
vllm serve ./models/qwen3-8b --dtype half --host 127.0.0.1 --port 8000
