"""Paths shared by the scripts in this folder."""

GEMMA_PATH = "google/gemma-3-12b-it"
MAX_LEN = 2048
