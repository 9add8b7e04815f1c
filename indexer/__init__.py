"""Ingestion: load → normalise → chunk → catalog + index."""
