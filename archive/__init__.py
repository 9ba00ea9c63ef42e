"""Saksi's use cases: ingest, retrieval, cases, export, audit, users, and the ledger."""
