"""Shirube (標): offline, citation-grounded Japanese knowledge assistant."""

__version__ = "0.1.0"
