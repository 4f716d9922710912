#!/bin/sh
# The wired checkpoint's files stop on <|endoftext|> only.
vllm serve ./models/qwen25-wired --port 8003
