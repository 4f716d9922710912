#!/usr/bin/env bash
set -e
MODEL_PATH=/models/internlm2_5-7b-chat
lmdeploy serve api_server \
    --trust-remote-code \
    $MODEL_PATH \
    --backend pytorch \
    --adapters support=/adapters/support sql=/adapters/sql \
    --server_port 9000 \
    --cache-max 0.6 \
    --tp 2 \
    --chat-template ./chat_template.json
python3 -m lmdeploy chat internlm/internlm2_5-7b-chat --backend turbomind --session-len 8192
