#!/bin/sh
python3 -m sglang.launch_server --model-path ./models/helpdesk --port 30000 --reasoning-parser qwen3
