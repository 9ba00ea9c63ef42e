"""Auditing the ledger: verify (quick pass and locating passes), proofs, fixity, replay, reports."""
