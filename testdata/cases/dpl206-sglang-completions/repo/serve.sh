#!/bin/sh
pip install "sglang[all]==0.4.6"
python -m sglang.launch_server --model-path Qwen/Qwen2.5-7B --port 30000
