"""FastAPI HTTP layer: thin over `knowledge/` and `analytics/`."""
