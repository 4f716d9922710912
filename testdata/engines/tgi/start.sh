#!/bin/bash
export MODEL_ID=/models/merged
docker run --gpus all --shm-size 1g -p 8080:80 -v $PWD/models:/models \
    -e MAX_TOTAL_TOKENS=4096 \
    ghcr.io/huggingface/text-generation-inference:2.0.0 \
    --model-id /models/merged --trust-remote-code --quantize=awq
nohup text-generation-launcher --port 3001 --hostname 127.0.0.1 &
