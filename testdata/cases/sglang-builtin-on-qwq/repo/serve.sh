#!/bin/sh
# Reasoning endpoint for the analytics team.
python -m sglang.launch_server \
  --model-path Qwen/QwQ-32B \
  --chat-template qwen2-vl \
  --tp 2 --port 30000
