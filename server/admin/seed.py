"""The first admin account of a fresh database; idempotent."""

from __future__ import annotations

import os
import secrets

from argon2 import PasswordHasher

from ..accounts import Accounts
from ..store.seed import SEED_AUDIT
from ..store.store import Store

__all__ = ["ADMIN_PASSWORD_ENV", "ADMIN_USERNAME", "seed_admin"]

ADMIN_PASSWORD_ENV = "MAKAVERSE_ADMIN_PASSWORD"
ADMIN_USERNAME = "admin"


def seed_admin(store: Store, password: str | None = None, *, hasher: PasswordHasher | None = None) -> str | None:
    """Create the `admin` account unless an admin exists; return its password, or None if none was made.

    The password is `password`, else `MAKAVERSE_ADMIN_PASSWORD`, else generated; the caller
    shows a generated one once, since only its hash is kept.
    """
    if store.count_accounts(role="admin") > 0:
        return None
    password = password or os.environ.get(ADMIN_PASSWORD_ENV) or secrets.token_urlsafe(12)
    Accounts(store, hasher=hasher).create_user(
        username=ADMIN_USERNAME, password=password, role="admin", display_name="Admin", audit=SEED_AUDIT
    )
    return password
