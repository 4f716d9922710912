#!/bin/sh
vllm serve ./models/support-reasoner --served-model-name support --reasoning-parser qwen3
