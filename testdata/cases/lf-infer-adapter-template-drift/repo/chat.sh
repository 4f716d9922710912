#!/bin/sh
llamafactory-cli chat chat.yaml
