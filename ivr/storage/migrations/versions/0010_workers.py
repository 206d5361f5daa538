"""Workers and their leases; who holds each PBX's hotline application.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('workers',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('node', sa.String(length=60), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('ari_url', sa.String(length=300), nullable=False),
    sa.Column('app', sa.String(length=120), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('campaigns', sa.String(length=200), nullable=False),
    sa.Column('stopped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reaped_by', sa.String(length=120), nullable=True),
    sa.Column('reaped_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workers'))
    )
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workers_expires_at'), ['expires_at'], unique=False)
    op.create_table('app_holders',
    sa.Column('pbx', sa.String(length=300), nullable=False),
    sa.Column('app', sa.String(length=120), nullable=False),
    sa.Column('worker_id', sa.String(length=120), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('pbx', 'app', name=op.f('pk_app_holders'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('app_holders')
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workers_expires_at'))
    op.drop_table('workers')
