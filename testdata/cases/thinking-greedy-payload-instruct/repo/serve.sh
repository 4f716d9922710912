#!/bin/sh
vllm serve Qwen/Qwen3-4B-Instruct-2507 --served-model-name r1
