#!/bin/sh
vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000
