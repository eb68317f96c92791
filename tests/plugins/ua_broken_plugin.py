"""A plugin that breaks the contract: a hook implementation with an argument no spec has."""

from unionadmin import hookimpl


@hookimpl
def validate_member(member, errors, unknown_argument):
    pass
