"""CORS for the API (/v1/*, /api/*): browsers on the CORS_ORIGINS origins may call it."""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

API_PATHS = (r"/v1/*", r"/api/*")


def allowed_origins(setting: str) -> str | list[str]:
    """``*`` or the list of origins in a comma-separated setting."""
    origins = [origin.strip() for origin in setting.split(",") if origin.strip()]
    return "*" if not origins or "*" in origins else origins


def init_app(app: Flask) -> None:
    """Answer preflights and add Access-Control-* headers on the API paths only."""
    origins = allowed_origins(str(app.config["CORS_ORIGINS"]))
    # With "*", send the wildcard rather than echo each origin: responses stay cacheable (no Vary).
    CORS(app, resources={path: {"origins": origins} for path in API_PATHS}, max_age=600, send_wildcard=origins == "*")
