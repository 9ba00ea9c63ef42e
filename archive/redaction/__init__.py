"""Redacted copies: derivatives that hide boxes or drop audio, recorded with how they were made."""
