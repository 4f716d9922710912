#!/bin/sh
# Falcon for the support bot (TGI).
docker run --gpus all -p 8080:80 -v "$PWD/data:/data" \
  ghcr.io/huggingface/text-generation-inference:2.4.1 \
  --model-id tiiuae/falcon-7b --max-total-tokens 2048
