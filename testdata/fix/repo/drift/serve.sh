#!/bin/sh
vllm serve Qwen/Qwen2.5-7B-Instruct --enable-lora \
  --lora-modules sft=saves/qwen-alpaca/lora/sft \
  --chat-template ./templates/chatml.jinja --port 8006
