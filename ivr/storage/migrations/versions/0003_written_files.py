"""The register of files written by reports and exports, and whose personal data each one holds.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('written_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=1000), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('personal', sa.Boolean(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('operator', sa.String(length=120), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_written_files'))
    )
    op.create_table('written_file_subjects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('inbound_call_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(contact_id IS NULL) <> (inbound_call_id IS NULL)',
                       name=op.f('ck_written_file_subjects_one_subject')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'],
                            name=op.f('fk_written_file_subjects_contact_id_contacts')),
    sa.ForeignKeyConstraint(['file_id'], ['written_files.id'],
                            name=op.f('fk_written_file_subjects_file_id_written_files'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inbound_call_id'], ['inbound_calls.id'],
                            name=op.f('fk_written_file_subjects_inbound_call_id_inbound_calls')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_written_file_subjects'))
    )
    with op.batch_alter_table('written_file_subjects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_written_file_subjects_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_written_file_subjects_file_id'), ['file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_written_file_subjects_inbound_call_id'), ['inbound_call_id'],
                              unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('written_file_subjects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_written_file_subjects_inbound_call_id'))
        batch_op.drop_index(batch_op.f('ix_written_file_subjects_file_id'))
        batch_op.drop_index(batch_op.f('ix_written_file_subjects_contact_id'))

    op.drop_table('written_file_subjects')
    op.drop_table('written_files')
