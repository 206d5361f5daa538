"""The register of personal audio (ivr/storage/audio_register.py): each personal prompt's cache key and whose
it is (a contact, or the digest of a number called ad hoc), written at render time for the purge.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op



# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('personal_audio',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('phone_digest', sa.String(length=64), nullable=True),
    sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_personal_audio_contact_id_contacts'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_audio'))
    )
    op.create_index(op.f('ix_personal_audio_key'), 'personal_audio', ['key'], unique=False)
    op.create_index(op.f('ix_personal_audio_contact_id'), 'personal_audio', ['contact_id'], unique=False)
    op.create_index(op.f('ix_personal_audio_phone_digest'), 'personal_audio', ['phone_digest'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_personal_audio_phone_digest'), table_name='personal_audio')
    op.drop_index(op.f('ix_personal_audio_contact_id'), table_name='personal_audio')
    op.drop_index(op.f('ix_personal_audio_key'), table_name='personal_audio')
    op.drop_table('personal_audio')
