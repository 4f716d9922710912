#!/bin/sh
docker run --gpus all --shm-size 1g -p 127.0.0.1:8080:80 -v "$PWD/data:/data" \
  ghcr.io/huggingface/text-generation-inference:2.0.4 \
  --model-id mistralai/Mistral-7B-Instruct-v0.3 \
  --enable-cuda-graphs
