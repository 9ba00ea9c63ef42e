"""Saksi's domain: aggregates and their events, pure (standard library and eventsourcing.domain only)."""
