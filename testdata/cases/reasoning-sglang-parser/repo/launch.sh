#!/bin/sh
python3 -m sglang.launch_server --model-path Qwen/QwQ-32B --tp 2 --port 30000 --reasoning-parser deepseek-r1
