"""Benchmarks (`make bench`): each module bench/b_*.py measures a value next to a baseline."""
