"""Accounts: users and their tokens, signing in with a token, web UI sessions."""
