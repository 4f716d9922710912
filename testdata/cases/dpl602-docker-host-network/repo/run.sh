#!/bin/sh
# TGI on the host network: the launcher binds 0.0.0.0 on the host itself.
docker run -d --gpus all --network host --shm-size 1g \
  -v "$PWD/data:/data" \
  ghcr.io/huggingface/text-generation-inference:3.0.1 \
  --model-id Qwen/Qwen2.5-7B-Instruct --port 8080
