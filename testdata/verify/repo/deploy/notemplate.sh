#!/bin/sh
vllm serve ./models/qwen25-notemplate --port 8004
