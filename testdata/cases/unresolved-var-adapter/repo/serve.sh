#!/bin/bash
ROOT=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000 \
  --enable-lora --lora-modules helpdesk=${ROOT}/saves/qwen-helpdesk/lora
