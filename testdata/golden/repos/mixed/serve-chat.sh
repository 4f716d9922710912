#!/bin/sh
# A chat template override on a base model: reported as an error.
vllm serve Qwen/Qwen2.5-14B \
  --chat-template ./templates/chatml.jinja \
  --port 8000
