"""Benchmarks that print figures (never asserted): `make bench` (scale issue)."""
