#!/bin/sh
curl -s http://localhost:8000/v1/chat/completions -H 'Content-Type: application/json' -d @bench/request.json
