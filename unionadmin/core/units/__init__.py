"""The tree of union units, from the national confederation down to union groups."""
