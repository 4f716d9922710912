#!/bin/sh
python -m sglang.launch_server \
  --model-path Qwen/Qwen2.5-7B-Instruct \
  --chat-template chatml \
  --port 30000
