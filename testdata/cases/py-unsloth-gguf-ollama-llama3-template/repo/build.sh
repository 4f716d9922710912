#!/bin/sh
ollama create helpdesk -f Modelfile
