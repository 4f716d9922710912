#!/bin/sh
vllm serve Qwen/QwQ-32B --reasoning-parser deepseek_r1 --override-generation-config '{"temperature": 0.0}'
