"""The register's subjects without a foreign key to their file (issue 18, item 6): PostgreSQL checked it row
by row, locking the one file row again for each of the hundred thousand people a province's daily report
names (13 us a row, three quarters of registering the report). The register (ivr.storage.written_files) is
the only writer: it adds a file's subjects in the transaction that adds the file, and deletes them before or
with it; its reads go through the file (``naming``), so a subject without its file would name nothing.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('written_file_subjects', schema=None) as batch_op:
        batch_op.drop_constraint('fk_written_file_subjects_file_id_written_files', type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('written_file_subjects', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_written_file_subjects_file_id_written_files', 'written_files', ['file_id'],
                                    ['id'], ondelete='CASCADE')
