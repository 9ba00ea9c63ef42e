"""Every fixed PostgreSQL advisory-lock key, in one table so that no two uses share one.

Transaction-level keys serialise DDL and the single writers of derived tables; they are
database-wide (every schema of a database shares them, which only costs waiting). The
leaders of singleton jobs (storage/eventstore/locks.py) use keys hashed from the database,
schema and job name instead, so each archive of a shared database elects its own.
"""

from __future__ import annotations

EVENT_TABLES_DDL = 0x5A4B5349  # the event store's tables, made by the first process to start
READ_MODELS_DDL = 0x5A4B5350  # read-model tables
PROJECTOR = 0x5A4B5351  # one projector batch at a time
MERKLE_DDL = 0x5A4B5352  # the Merkle log's tables
SEALER = 0x5A4B5353  # one sealer appending leaves at a time
ACTIVITY = 0x5A4B5354  # the per-actor activity index (shared 0x5A4B5352 with MERKLE_DDL before)

ALL = {
    "EVENT_TABLES_DDL": EVENT_TABLES_DDL,
    "READ_MODELS_DDL": READ_MODELS_DDL,
    "PROJECTOR": PROJECTOR,
    "MERKLE_DDL": MERKLE_DDL,
    "SEALER": SEALER,
    "ACTIVITY": ACTIVITY,
}
