#!/bin/sh
lmdeploy serve api_server ./models/Qwen2.5-0.5B-Instruct --adapters support=./models/lora-r8 --server-port 8006
