#!/usr/bin/env bash
# llama-server for the LAN, started on the workstation itself.
set -euo pipefail
HOST=0.0.0.0
exec llama-server -m ./models/qwen2.5-7b-instruct-q4_k_m.gguf --host "$HOST" --port 8080 -c 8192
