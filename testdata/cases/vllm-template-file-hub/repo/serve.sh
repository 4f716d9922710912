#!/bin/sh
vllm serve meta-llama/Llama-3.1-8B-Instruct \
  --chat-template templates/llama2.jinja \
  --port 8000
