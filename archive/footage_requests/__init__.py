"""Footage requests to private camera owners, and their one-time upload links."""
