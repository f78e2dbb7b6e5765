"""Benchmarks. Not tests: `make bench` runs them at full size, CI at smoke size (`--smoke`)."""
