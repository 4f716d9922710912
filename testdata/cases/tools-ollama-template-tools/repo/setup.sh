#!/bin/sh
ollama create support -f ./Modelfile
