"""The adaptive concurrency limit per PBX (pbx_limits), and the indexes the reports need at scale
(issue 18: report daily <= 5 s and monthly <= 15 s on 1,000,000 attempts, bench/bench_reports.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('pbx_limits',
    sa.Column('pbx', sa.String(length=200), nullable=False),
    sa.Column('concurrency_limit', sa.Integer(), nullable=False),
    sa.Column('max_concurrent', sa.Integer(), nullable=False),
    sa.Column('p95_ms', sa.Float(), nullable=False),
    sa.Column('signal', sa.String(length=24), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('pbx', name=op.f('pk_pbx_limits'))
    )
    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_attempts_scheduled_at'), ['scheduled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_attempts_started_at'), ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_attempts_ended_at'), ['ended_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_attempts_campaign_id_household_id_attempt_no'),
                              ['campaign_id', 'household_id', 'attempt_no'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_attempts_campaign_id_household_id_attempt_no'))
        batch_op.drop_index(batch_op.f('ix_call_attempts_ended_at'))
        batch_op.drop_index(batch_op.f('ix_call_attempts_started_at'))
        batch_op.drop_index(batch_op.f('ix_call_attempts_scheduled_at'))
    op.drop_table('pbx_limits')
