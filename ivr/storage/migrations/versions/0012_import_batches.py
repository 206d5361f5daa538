"""Imports written in batches (issue 16, item 5): an import's status (importing/done) and which of its
contacts it created, so that an unfinished import can be undone (ivr.storage.contact_store).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='done', nullable=False))
    with op.batch_alter_table('contact_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('contact_imports', schema=None) as batch_op:
        batch_op.drop_column('added')
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.drop_column('status')
