#!/bin/sh
curl -s http://localhost:8080/v1/chat/completions -H 'Content-Type: application/json' -d @requests/weather.json
