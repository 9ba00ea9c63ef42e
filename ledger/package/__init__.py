"""The evidence package format and its offline verifier (`saksi verify`, `verify_package.py`)."""
