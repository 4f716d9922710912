#!/bin/sh
pip install "lmdeploy==0.15.0"
lmdeploy serve api_server Qwen/Qwen2.5-7B --server-port 23333
