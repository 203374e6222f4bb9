"""Benchmarks that show the app is fast, and check it against its targets.

`uv run python -m benchmarks` runs them all and prints a table; `--short` is the quick
version CI runs. Each case runs in a fresh process of its own against a loopback server
(`benchmarks.server`), so one case's heap, caches or Qt state never colour another's figures.
"""
