"""Performance benchmarks (``make bench``): not part of ``make test``; see docs/BENCHMARKS.md."""
