#!/bin/sh
vllm serve ./models/Llama-3.2-1B-Instruct --chat-template ./templates/chatml.jinja --port 8010
