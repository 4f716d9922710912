#!/bin/sh
vllm serve deepseek-ai/DeepSeek-R1-Distill-Qwen-14B --served-model-name r1 --reasoning-parser deepseek_r1
