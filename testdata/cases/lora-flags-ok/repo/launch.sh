#!/bin/bash
vllm serve Qwen/Qwen2.5-7B-Instruct \
  --enable-lora \
  --lora-modules '{"name": "support-bot", "path": "/ckpt/support-bot", "base_model_name": "Qwen/Qwen2.5-7B-Instruct"}' \
  --max-lora-rank 32 &

lmdeploy serve api_server Qwen/Qwen2.5-7B-Instruct --backend pytorch \
  --adapters support-bot=/ckpt/support-bot &
wait
