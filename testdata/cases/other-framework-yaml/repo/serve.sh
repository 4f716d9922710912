#!/bin/sh
vllm serve models/Qwen2.5-0.5B-Instruct --served-model-name qwen --port 6011
