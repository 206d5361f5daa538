"""Known people updated in batches (issue 16, item 5): an unfinished import's known people's values before
it updated them, so that undoing it restores them (ivr.storage.contact_store).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('import_undo',
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('birth_year', sa.SmallInteger(), nullable=True),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('ward', sa.String(length=120), nullable=True),
    sa.Column('district', sa.String(length=120), nullable=True),
    sa.Column('category', sa.String(length=2), nullable=False),
    sa.Column('exposure_date', sa.Date(), nullable=True),
    sa.Column('quarantine_start', sa.Date(), nullable=True),
    sa.Column('list_date', sa.Date(), nullable=False),
    sa.Column('first_seen', sa.Date(), nullable=False),
    sa.Column('last_seen', sa.Date(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_import_undo_contact_id_contacts'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_id'], ['imports.id'], name=op.f('fk_import_undo_import_id_imports'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('import_id', 'contact_id', name=op.f('pk_import_undo'))
    )


def downgrade() -> None:
    op.drop_table('import_undo')
