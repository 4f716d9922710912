#!/usr/bin/env bash
# Near-miss: default bind (127.0.0.1).
exec llama-server -m ./models/qwen2.5-7b-instruct-q4_k_m.gguf --port 8081 -c 8192
