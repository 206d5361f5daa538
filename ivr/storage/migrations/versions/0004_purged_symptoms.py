"""The attempts whose answers, deleted by the retention purge, reported a symptom.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('purged_symptoms',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['call_attempts.id'],
                            name=op.f('fk_purged_symptoms_attempt_id_call_attempts')),
    sa.PrimaryKeyConstraint('attempt_id', name=op.f('pk_purged_symptoms'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('purged_symptoms')
