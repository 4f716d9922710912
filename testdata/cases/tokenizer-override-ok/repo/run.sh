#!/bin/sh
vllm serve Qwen/Qwen2.5-7B-Instruct-AWQ \
  --quantization awq \
  --tokenizer Qwen/Qwen2.5-7B-Instruct \
  --max-model-len 4096
