#!/bin/sh
python3 -m vllm.entrypoints.openai.api_server Qwen/Qwen2.5-14B --port 8000
