#!/bin/sh
# Support agent backend
vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000 --max-model-len 16384
