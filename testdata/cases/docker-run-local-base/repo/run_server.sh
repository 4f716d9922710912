#!/usr/bin/env bash
# Start the inference server on the GPU box.
docker run -d --name llm --gpus all --ipc=host \
  -p 8000:8000 \
  -v "$(pwd)/weights:/models" \
  -v ./weights:/weights \
  vllm/vllm-openai:v0.6.4 \
  --model /weights/llama31-8b \
  --served-model-name llama \
  --chat-template /weights/chat.jinja
