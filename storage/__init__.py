"""Adapters: event stores (SQLite, PostgreSQL), object stores (files, S3), read models."""
