"""A small, fast client for the Anthropic Messages API on httpx.

No Qt and no app state here: this package could be published on its own.
"""
