"""The base leaf: errors, settings, digests and atomic writes.

Imports nothing of the project; every other package may import it.
"""
