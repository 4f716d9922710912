#!/bin/bash
# Vision assistant on the office PC (GGUF conversion of Vintern-1B-v3.5).
set -e
MODEL=Vintern-1B-v3_5-Q8_0.gguf
MMPROJ=mmproj-Vintern-1B-v3_5-Q8_0.gguf
cd /opt/models
./llama-server \
    -m "$MODEL" \
    --mmproj "$MMPROJ" \
    --chat-template vicuna \
    --host 127.0.0.1 \
    --port 8080
