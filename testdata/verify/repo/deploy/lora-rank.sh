#!/bin/sh
vllm serve ./models/Qwen2.5-0.5B-Instruct --enable-lora --lora-modules big=./models/lora-r64 --port 8008
