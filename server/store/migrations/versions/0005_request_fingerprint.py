"""Service requests remember what was submitted under a client request id.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

`content_fingerprint` is a SHA-256 (hex) of the submitted OPD, service, fields and note. A
retried `client_request_id` with the same fingerprint gets the first result; with another one
it is a conflict. Existing rows keep NULL and are answered as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column without a default: a plain ALTER TABLE ADD COLUMN on SQLite too.
    op.add_column("service_requests", sa.Column("content_fingerprint", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_requests") as batch:
        batch.drop_column("content_fingerprint")
