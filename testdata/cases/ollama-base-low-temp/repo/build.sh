#!/bin/sh
ollama create story-base -f Modelfile
