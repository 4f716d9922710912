#!/bin/sh
vllm serve ./models/qwen25-wired-stops --port 8013
