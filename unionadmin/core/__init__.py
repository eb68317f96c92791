"""Everything of UnionAdmin that is not a plugin: the domains and the machinery they share.

How it fits together (the layers, a request's path from view to database, scope and abilities,
the framework patches) and a map of this package with one line per module: docs/architecture.md
(sections "The layers" and "A map of core/"). The REST contract: docs/api.md.
"""
