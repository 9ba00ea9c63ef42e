"""The HTTP interface (FastAPI). Thin: authenticate, translate, call a use case, map errors."""

from api.http.app import create_app

__all__ = ["create_app"]
