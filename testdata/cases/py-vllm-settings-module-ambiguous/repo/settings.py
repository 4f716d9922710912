"""Paths shared by the scripts in this folder: a T4 box and an A100 box."""
import os

GEMMA_PATH = "google/gemma-3-12b-it"
if os.environ.get("SMALL_BOX"):
    GEMMA_PATH = "/models/my-distilled-model"
MAX_LEN = 2048
