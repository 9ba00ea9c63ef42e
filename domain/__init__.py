"""Saksi's domain: aggregates and their events.

Pure: the standard library and eventsourcing.domain only (a test enforces it)."""
