#!/bin/sh
# Benchmarks run against the base model on purpose (per-file-ignores in .deploylint.toml).
vllm serve Qwen/Qwen2.5-14B --port 8200
