"""The audit log as a hash chain (ivr/storage/audit_chain.py): each entry's previous hash and own hash;
the entries already there are chained in id order.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

"""
import datetime as dt
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from ivr.storage.audit_chain import GENESIS, entry_hash


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _aware(value: object) -> dt.datetime:
    if isinstance(value, str):  # SQLite without the model's type
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))
    bind = op.get_bind()
    prev = GENESIS
    rows = bind.execute(sa.text("SELECT id, at, operator, action, object, rows FROM audit_log ORDER BY id")).all()
    for id_, at, operator, action, obj, count in rows:
        own = entry_hash(prev, _aware(at), operator, action, obj, count or 0)
        bind.execute(sa.text("UPDATE audit_log SET prev_hash = :prev, entry_hash = :own WHERE id = :id"),
                     {"prev": prev, "own": own, "id": id_})
        prev = own


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_column('entry_hash')
        batch.drop_column('prev_hash')
