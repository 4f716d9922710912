#!/bin/sh
vllm serve Qwen/Qwen2.5-7B-Instruct \
    --lora-modules support=./adapters/support-lora \
    --port 8001
