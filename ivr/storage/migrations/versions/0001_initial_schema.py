"""Initial schema: households, contacts, imports, campaigns, call attempts, answers, audit log.

Revision ID: 0001
Revises: 
Create Date: 2026-11-25

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('operator', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object', sa.String(length=200), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index(op.f('ix_audit_log_at'), 'audit_log', ['at'], unique=False)
    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone_e164', sa.String(length=16), nullable=False),
    sa.Column('active_attempt_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('phone_e164', name=op.f('uq_households_phone_e164'))
    )
    op.create_table('imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('list_date', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=2), nullable=True),
    sa.Column('operator', sa.String(length=120), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('invalid', sa.Integer(), nullable=False),
    sa.Column('error_report', sa.String(length=1000), nullable=True),
    sa.Column('stored_path', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imports')),
    sa.UniqueConstraint('sha256', name=op.f('uq_imports_sha256'))
    )
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('script_name', sa.String(length=120), nullable=False),
    sa.Column('script_version', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=2), nullable=True),
    sa.Column('list_date', sa.Date(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('policy_overrides', sa.JSON(), nullable=False),
    sa.Column('operator', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'running', 'paused', 'cancelled', 'completed')", name=op.f('ck_campaigns_status')),
    sa.CheckConstraint('list_date IS NOT NULL OR import_id IS NOT NULL', name=op.f('ck_campaigns_selection')),
    sa.ForeignKeyConstraint(['import_id'], ['imports.id'], name=op.f('fk_campaigns_import_id_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('phone_e164', sa.String(length=16), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('birth_year', sa.SmallInteger(), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('ward', sa.String(length=120), nullable=True),
    sa.Column('district', sa.String(length=120), nullable=True),
    sa.Column('category', sa.String(length=2), nullable=False),
    sa.Column('exposure_date', sa.Date(), nullable=True),
    sa.Column('quarantine_start', sa.Date(), nullable=True),
    sa.Column('list_date', sa.Date(), nullable=False),
    sa.Column('first_seen', sa.Date(), nullable=False),
    sa.Column('last_seen', sa.Date(), nullable=False),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('pseudonym', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('F1', 'F2')", name=op.f('ck_contacts_category')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_contacts_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('phone_e164', 'name_key', name=op.f('uq_contacts_phone_e164_name_key')),
    sa.UniqueConstraint('pseudonym', name=op.f('uq_contacts_pseudonym'))
    )
    op.create_index(op.f('ix_contacts_household_id'), 'contacts', ['household_id'], unique=False)
    op.create_index(op.f('ix_contacts_list_date_category'), 'contacts', ['list_date', 'category'], unique=False)
    op.create_table('call_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('attempt_no', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('channel_id', sa.String(length=64), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('sip_cause', sa.Integer(), nullable=True),
    sa.Column('hangup_cause', sa.Integer(), nullable=True),
    sa.Column('duration', sa.Float(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'claimed', 'dialing', 'done')", name=op.f('ck_call_attempts_status')),
    sa.CheckConstraint('attempt_no >= 1', name=op.f('ck_call_attempts_attempt_no')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_call_attempts_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_call_attempts_contact_id_contacts')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_call_attempts_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_attempts')),
    sa.UniqueConstraint('campaign_id', 'contact_id', 'attempt_no', name=op.f('uq_call_attempts_campaign_id_contact_id_attempt_no')),
    sa.UniqueConstraint('campaign_id', 'household_id', 'attempt_no', name=op.f('uq_call_attempts_campaign_id_household_id_attempt_no')),
    sa.UniqueConstraint('channel_id', name=op.f('uq_call_attempts_channel_id'))
    )
    op.create_index(op.f('ix_call_attempts_campaign_id_status_scheduled_at'), 'call_attempts', ['campaign_id', 'status', 'scheduled_at'], unique=False)
    op.create_index(op.f('ix_call_attempts_claimed_by_status'), 'call_attempts', ['claimed_by', 'status'], unique=False)
    op.create_index(op.f('ix_call_attempts_contact_id'), 'call_attempts', ['contact_id'], unique=False)
    op.create_index(op.f('ix_call_attempts_household_id'), 'call_attempts', ['household_id'], unique=False)
    op.create_index('uq_call_attempts_household_active', 'call_attempts', ['household_id'], unique=True,
                    sqlite_where=sa.text("status IN ('claimed', 'dialing')"),
                    postgresql_where=sa.text("status IN ('claimed', 'dialing')"))
    op.create_table('contact_imports',
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=2), nullable=False),
    sa.Column('row', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_imports_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_id'], ['imports.id'], name=op.f('fk_contact_imports_import_id_imports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('import_id', 'contact_id', name=op.f('pk_contact_imports'))
    )
    op.create_index(op.f('ix_contact_imports_contact_id'), 'contact_imports', ['contact_id'], unique=False)
    op.create_table('answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('script', sa.String(length=120), nullable=False),
    sa.Column('script_version', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['call_attempts.id'], name=op.f('fk_answers_attempt_id_call_attempts')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_answers_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_answers_contact_id_contacts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers')),
    sa.UniqueConstraint('attempt_id', 'question_id', name=op.f('uq_answers_attempt_id_question_id'))
    )
    op.create_index(op.f('ix_answers_campaign_id'), 'answers', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_answers_contact_id'), 'answers', ['contact_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_answers_contact_id'), table_name='answers')
    op.drop_index(op.f('ix_answers_campaign_id'), table_name='answers')
    op.drop_table('answers')
    op.drop_index(op.f('ix_contact_imports_contact_id'), table_name='contact_imports')
    op.drop_table('contact_imports')
    op.drop_index('uq_call_attempts_household_active', table_name='call_attempts')
    op.drop_index(op.f('ix_call_attempts_household_id'), table_name='call_attempts')
    op.drop_index(op.f('ix_call_attempts_contact_id'), table_name='call_attempts')
    op.drop_index(op.f('ix_call_attempts_claimed_by_status'), table_name='call_attempts')
    op.drop_index(op.f('ix_call_attempts_campaign_id_status_scheduled_at'), table_name='call_attempts')
    op.drop_table('call_attempts')
    op.drop_index(op.f('ix_contacts_list_date_category'), table_name='contacts')
    op.drop_index(op.f('ix_contacts_household_id'), table_name='contacts')
    op.drop_table('contacts')
    op.drop_table('campaigns')
    op.drop_table('imports')
    op.drop_table('households')
    op.drop_index(op.f('ix_audit_log_at'), table_name='audit_log')
    op.drop_table('audit_log')
