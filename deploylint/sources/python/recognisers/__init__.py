"""One module per library: what its calls mean (see ``../recogniser.py``)."""
