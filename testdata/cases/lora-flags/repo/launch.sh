#!/bin/bash
# Two servers for the A/B test of the support-bot adapter.
vllm serve Qwen/Qwen2.5-7B-Instruct \
  --lora-modules support-bot=/ckpt/support-bot \
  --max-lora-rank 32 \
  --port 8000 &

lmdeploy serve api_server Qwen/Qwen2.5-7B-Instruct \
  --server-port 23333 \
  --adapters support-bot=/ckpt/support-bot &
wait
