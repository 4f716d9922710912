#!/bin/sh
llamafactory-cli train sft.yaml
