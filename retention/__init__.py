"""Retention: policies, sweep, legal holds and the scheduler."""
