#!/bin/sh
vllm serve ./models/Qwen2.5-1.5B-Instruct --enable-lora --lora-modules support=./models/lora-r8 --port 8007
