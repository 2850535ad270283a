"""Imports: streaming, chunked, resumable."""
