#!/bin/sh
exec vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000 \
  --enable-lora --lora-modules helpdesk=saves/qwen-helpdesk/lora/checkpoint-1500
