#!/bin/sh
# 8192 tokens shared by 4 slots: each request gets 2048.
llama-server -m ./models/qwen2.5-7b-instruct-q4_k_m.gguf -c 8192 -np 4 --port 8080
