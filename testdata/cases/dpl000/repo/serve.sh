#!/bin/sh
vllm serve Qwen/Qwen2.5-7B-Instruct --override-generation-config '{"temperature": 0.7}
