"""The hotline: inbound calls and their answers, call-back tasks, staff agents.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('interface', sa.String(length=120), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=True),
    sa.Column('logged_in', sa.Boolean(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agents')),
    sa.UniqueConstraint('interface', name=op.f('uq_agents_interface')),
    sa.UniqueConstraint('name', name=op.f('uq_agents_name'))
    )
    op.create_table('inbound_calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.String(length=64), nullable=False),
    sa.Column('caller_e164', sa.String(length=16), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('after_hours', sa.Boolean(), nullable=False),
    sa.Column('path', sa.JSON(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('queue_entered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('queue_wait_seconds', sa.Float(), nullable=True),
    sa.Column('answered_by', sa.String(length=64), nullable=True),
    sa.Column('abandoned', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=True),
    sa.Column('script_result', sa.String(length=32), nullable=True),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('staff', 'callback_requested', 'abandoned', 'declared', 'staff_unavailable', 'no_input', 'informed', 'hung_up', 'rejected', 'failed')", name=op.f('ck_inbound_calls_outcome')),
    sa.ForeignKeyConstraint(['attempt_id'], ['call_attempts.id'], name=op.f('fk_inbound_calls_attempt_id_call_attempts')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_inbound_calls_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_inbound_calls_contact_id_contacts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_calls')),
    sa.UniqueConstraint('channel_id', name=op.f('uq_inbound_calls_channel_id'))
    )
    with op.batch_alter_table('inbound_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_calls_caller_e164'), ['caller_e164'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_calls_started_at'), ['started_at'], unique=False)

    op.create_table('callback_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone_e164', sa.String(length=16), nullable=False),
    sa.Column('inbound_call_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=120), nullable=True),
    sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name=op.f('ck_callback_tasks_status')),
    sa.ForeignKeyConstraint(['attempt_id'], ['call_attempts.id'], name=op.f('fk_callback_tasks_attempt_id_call_attempts')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_callback_tasks_contact_id_contacts')),
    sa.ForeignKeyConstraint(['inbound_call_id'], ['inbound_calls.id'], name=op.f('fk_callback_tasks_inbound_call_id_inbound_calls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_tasks'))
    )
    with op.batch_alter_table('callback_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_tasks_status_requested_at'), ['status', 'requested_at'], unique=False)

    op.create_table('inbound_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('script', sa.String(length=120), nullable=False),
    sa.Column('script_version', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['inbound_calls.id'], name=op.f('fk_inbound_answers_call_id_inbound_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_answers')),
    sa.UniqueConstraint('call_id', 'question_id', name=op.f('uq_inbound_answers_call_id_question_id'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('inbound_answers')
    with op.batch_alter_table('callback_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_tasks_status_requested_at'))

    op.drop_table('callback_tasks')
    with op.batch_alter_table('inbound_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_calls_started_at'))
        batch_op.drop_index(batch_op.f('ix_inbound_calls_caller_e164'))

    op.drop_table('inbound_calls')
    op.drop_table('agents')
