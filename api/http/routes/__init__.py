"""Routers per area of the archive."""
