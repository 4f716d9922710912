#!/bin/sh
vllm serve Qwen/Qwen3-4B --reasoning-parser qwen3 --enable-auto-tool-choice --tool-call-parser hermes
