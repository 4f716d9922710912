#!/bin/sh
vllm serve meta-llama/Meta-Llama-3-8B-Instruct --port 8000 \
  --enable-lora --lora-modules recipes=saves/llama3-recipes
