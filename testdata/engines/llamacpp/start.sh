#!/bin/sh
# llama.cpp server, three ways
./llama-server -m models/qwen2.5-7b-instruct-q4_k_m.gguf --jinja -c 8192 -ngl 99 --port 8081 -a qwen

build/bin/llama-server \
  -hf ggml-org/gemma-3-1b-it-GGUF --no-jinja --chat-template chatml \
  -nocb --lora adapters/a.gguf,adapters/b.gguf --host 0.0.0.0

docker run -p 8080:8080 -v "$PWD/models:/models" ghcr.io/ggml-org/llama.cpp:server-cuda-b5120 \
  -m /models/llama-3.1-8b.gguf --chat-template-file /models/llama3.jinja --port 8080

python -m llama_cpp.server --model models/mistral.gguf --chat_format chatml --n_ctx 4096 --verbose false
