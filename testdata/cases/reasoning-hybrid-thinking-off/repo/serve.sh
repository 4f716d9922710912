#!/bin/sh
vllm serve Qwen/Qwen3-8B --default-chat-template-kwargs '{"enable_thinking": false}'
