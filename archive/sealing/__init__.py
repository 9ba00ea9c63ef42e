"""Sealing the Merkle log: signed checkpoints and their RFC 3161 timestamps."""
