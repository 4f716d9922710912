"""deploylint: static analysis for LLM deployments."""

__version__ = "0.1.0"
