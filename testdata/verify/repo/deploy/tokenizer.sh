#!/bin/sh
vllm serve ./models/Qwen2.5-0.5B-Instruct --tokenizer ./models/foreign-tokenizer --port 8009
