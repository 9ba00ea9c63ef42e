"""`saksi witness`: a small, separate C2SP tlog-witness service another agency runs.

Its own key, its own state (SQLite or PostgreSQL), the logs it accepts given on its command
line. It imports neither archive/ nor storage/ (an import-linter contract says so): all it
knows of the archive is the archive's checkpoints and their verifier key.
"""
