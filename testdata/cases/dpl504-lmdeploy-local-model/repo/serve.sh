#!/bin/sh
pip install "lmdeploy==0.6.5"
lmdeploy serve api_server ./models/qwen3-sft --backend pytorch --server-name 127.0.0.1 --server-port 23333
