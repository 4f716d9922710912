#!/bin/sh
# Near-miss: AWQ kernels compute in float16.
vllm serve ./models/qwen3-8b-awq --dtype half --host 127.0.0.1 --port 8001
