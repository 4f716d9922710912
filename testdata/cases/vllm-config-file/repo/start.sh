#!/bin/sh
vllm serve --config configs/qwen-base.yaml
