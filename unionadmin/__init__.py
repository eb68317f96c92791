"""UnionAdmin: member management for Vietnam's trade unions.

`create_app()` is the application factory; nothing heavy happens at import time.
"""

from __future__ import annotations

from typing import Any

from unionadmin.plugins.hookspecs import hookimpl

__all__ = ["create_app", "hookimpl"]
__version__ = "0.1.0"


def create_app(config: dict[str, Any] | None = None):
    """Build a new app; may be called many times in one process (each with its own FAB)."""
    from unionadmin.app import build_app  # cycle: unionadmin -> app -> cli -> unionadmin

    return build_app(config)
