#!/bin/sh
vllm serve Qwen/QwQ-32B --tensor-parallel-size 2 --reasoning-parser deepseek_r1
