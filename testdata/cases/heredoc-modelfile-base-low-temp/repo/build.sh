#!/bin/bash
# Builds the autocomplete model for the editor plugin and starts it.
set -euo pipefail
cat > Modelfile.autocomplete <<'EOF2'
FROM llama3.1:8b-text-q4_K_M
PARAMETER temperature 0.1
PARAMETER num_predict 64
EOF2
ollama create autocomplete -f Modelfile.autocomplete
