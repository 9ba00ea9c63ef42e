"""The event store port: eventsourcing on SQLite or PostgreSQL, chain links, batch loads, locks."""
