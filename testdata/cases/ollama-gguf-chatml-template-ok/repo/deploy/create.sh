#!/bin/sh
set -e
huggingface-cli download Qwen/Qwen2.5-7B-Instruct-GGUF qwen2.5-7b-instruct-q4_k_m.gguf --local-dir ../models
ollama create support-bot -f Modelfile
