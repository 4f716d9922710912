#!/bin/bash
set -e
exec llama-server -hf Qwen/Qwen2.5-3B-Instruct-GGUF:Q5_K_M \
  --chat-template chatml \
  --host 127.0.0.1 --port 8080
