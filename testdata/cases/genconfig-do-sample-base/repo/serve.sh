#!/bin/bash
vllm serve models/Qwen2.5-14B --port 8000 --max-model-len 32768
