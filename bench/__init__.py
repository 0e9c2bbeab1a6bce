"""Benchmarks and load tools (see bench/run.py); never imported by the service."""
