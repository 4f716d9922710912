"""Push the trained adapter to the team's model registry (run by hand after training)."""
import subprocess

ADAPTER_DIR = "saves/qwen-helpdesk/lora"

subprocess.run(["huggingface-cli", "upload", "acme/helpdesk-lora", ADAPTER_DIR], check=True)
