"""The FAB security manager: accounts bound to units."""

from __future__ import annotations

from flask_appbuilder.security.sqla.manager import SecurityManager

from unionadmin.core.accounts.models import UnionUser


class UnionSecurityManager(SecurityManager):
    user_model = UnionUser
