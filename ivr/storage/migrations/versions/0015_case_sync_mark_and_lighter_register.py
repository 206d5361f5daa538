"""The case sync's mark (case_sync_marks), and a lighter register of written files (issue 18, item 6).

- ``case_sync_marks``: how far every call attempt has been looked at (ivr.storage.cases.CaseSyncMark), so
  that a sync reads the attempts after it, not a comparison of a million attempts with what it has seen.
- ``written_file_subjects.contact_id`` loses its foreign key: each row's check read and share-locked its
  contact, two thirds of registering a daily report that names ~80,000 people. Contacts are never deleted.
- its index of ``inbound_call_id`` holds only the rows that have one (the hotline's few), not a NULL per row.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INBOUND_INDEX = "ix_written_file_subjects_inbound_call_id"
HAS_CALL = sa.text("inbound_call_id IS NOT NULL")


def upgrade() -> None:
    op.create_table('case_sync_marks',
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('seen_through', sa.Integer(), nullable=False),
    sa.Column('candidate', sa.Integer(), nullable=False),
    sa.Column('candidate_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source', name=op.f('pk_case_sync_marks'))
    )
    with op.batch_alter_table("written_file_subjects", schema=None) as batch_op:
        batch_op.drop_constraint("fk_written_file_subjects_contact_id_contacts", type_="foreignkey")
        batch_op.drop_index(INBOUND_INDEX)
        batch_op.create_index(INBOUND_INDEX, ["inbound_call_id"], unique=False, postgresql_where=HAS_CALL,
                              sqlite_where=HAS_CALL)


def downgrade() -> None:
    with op.batch_alter_table("written_file_subjects", schema=None) as batch_op:
        batch_op.drop_index(INBOUND_INDEX)
        batch_op.create_index(INBOUND_INDEX, ["inbound_call_id"], unique=False)
        batch_op.create_foreign_key("fk_written_file_subjects_contact_id_contacts", "contacts", ["contact_id"],
                                    ["id"])
    op.drop_table('case_sync_marks')
