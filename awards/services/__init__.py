"""The awards app's use cases, one module per aggregate (reads are in `awards/selectors.py`)."""
