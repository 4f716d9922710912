#!/bin/sh
vllm serve ./models/helpdesk --served-model-name helpdesk --reasoning-parser qwen3
