#!/bin/sh
# 128k "because the model card says so", without the YaRN the card asks for.
vllm serve ./models/qwen25-14b-instruct --max-model-len 131072 --host 127.0.0.1
