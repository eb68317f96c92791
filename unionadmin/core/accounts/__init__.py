"""Officer accounts: FAB users bound to a unit."""
