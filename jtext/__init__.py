"""The Japanese-text leaf: morphology, normalisation with offset maps,
numerals / eras / article labels, sentence splitting, index terms.

Used at ingest (indexer), at query time (retrieval) and at answer time
(model); imports nothing of the project but :mod:`base`.
"""
