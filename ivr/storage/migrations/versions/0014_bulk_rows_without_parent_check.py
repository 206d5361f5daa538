"""Rows written by the hundred thousand under one parent, without a foreign key to that parent (issue 18,
items 5 and 6): PostgreSQL checks a foreign key row by row, locking the one parent row again for each child
(13 us a row: three quarters of registering a province's daily report, a third of the database's work in an
import of 100,000 people). Each of these tables has one writer, which adds the children in the transaction
or after the one that adds their parent, deletes them before the parent, and reads them through it:
- written_file_subjects.file_id -> written_files (ivr.storage.written_files: ``cancel``, ``mark_deleted``);
- contact_imports.import_id and import_undo.import_id -> imports (ivr.storage.contact_store: an import's undo
  deletes its links and undo rows, in batches, before its row).
The keys to the people (contact_id) stay: many parents, each checked once.

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

KEYS = (("written_file_subjects", "file_id", "written_files"), ("contact_imports", "import_id", "imports"),
        ("import_undo", "import_id", "imports"))


def upgrade() -> None:
    for table, column, parent in KEYS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_{column}_{parent}", type_="foreignkey")


def downgrade() -> None:
    for table, column, parent in KEYS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(f"fk_{table}_{column}_{parent}", parent, [column], ["id"], ondelete="CASCADE")
