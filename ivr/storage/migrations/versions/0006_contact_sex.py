"""Contacts: the sex given by the list (Giới tính), for the form of address (ông/bà, anh/chị).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('contacts') as batch:
        batch.add_column(sa.Column('sex', sa.String(length=1), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('contacts') as batch:
        batch.drop_column('sex')
