#!/bin/sh
exec vllm serve Qwen/Qwen2.5-7B --host 127.0.0.1 --port 8000
