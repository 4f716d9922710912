#!/bin/sh
vllm serve ./models/invoice-vl --served-model-name invoice --port 8000
