#!/bin/sh
API_PORT=8000 llamafactory-cli api infer.yaml
