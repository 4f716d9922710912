#!/bin/sh
# Serve the support-ticket adapter next to the base model.
vllm serve models/qwen2.5-1.5b-instruct \
  --enable-lora --lora-modules tickets=outputs/ticket-lora \
  --port 8000
