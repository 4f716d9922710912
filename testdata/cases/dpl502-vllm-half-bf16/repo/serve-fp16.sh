#!/bin/sh
# Near-miss: a checkpoint saved in float16.
vllm serve ./models/mistral-7b-instruct --dtype float16 --host 127.0.0.1 --port 8002
