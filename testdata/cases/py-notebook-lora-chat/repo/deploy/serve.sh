#!/bin/sh
exec vllm serve models/qwen2.5-1.5b-instruct \
  --enable-lora --lora-modules poems=adapters/poem-lora \
  --host 127.0.0.1 --port 8000
