#!/bin/sh
# ChatML without Qwen's default system prompt (clients always send their own system message).
vllm serve Qwen/Qwen2.5-7B-Instruct \
  --chat-template templates/qwen_nosys.jinja \
  --port 8000
