#!/bin/sh
vllm serve ./models/lora-r8 --port 8005
