#!/bin/sh
ollama create story -f Modelfile
