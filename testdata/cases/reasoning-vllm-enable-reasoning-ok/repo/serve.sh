#!/bin/sh
vllm serve Qwen/QwQ-32B --tensor-parallel-size 2 --enable-reasoning --reasoning-parser deepseek_r1
