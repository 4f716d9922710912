#!/bin/sh
set -e
llamafactory-cli train sft.yaml
