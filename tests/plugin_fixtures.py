"""`plugin_app` is now a fixture of UnionAdmin's pytest plugin (`unionadmin.testing`), which
tests/conftest.py loads for the whole suite: tests need no import. Kept for the test modules that
still import it from here."""

from unionadmin.testing import plugin_app

__all__ = ["plugin_app"]
