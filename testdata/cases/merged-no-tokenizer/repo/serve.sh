#!/bin/sh
cd "$(dirname "$0")"
vllm serve ./output/merged-qwen --served-model-name support-qwen
