#!/bin/sh
exec vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000 --served-model-name helpdesk
