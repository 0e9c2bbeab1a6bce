"""Benchmarks and load tools, never imported by the service.

Run them as modules from the repository root (`python -m bench.run`), so `tests.support` is
importable without touching `sys.path`.
"""
