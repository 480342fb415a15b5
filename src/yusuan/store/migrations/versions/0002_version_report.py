"""the check's report kept with each version (its localisation, rules not applicable, settings)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a new column, empty for the versions already stored: nothing they hold changes
    op.add_column('version', sa.Column('report', sa.JSON(), nullable=True))


def downgrade() -> None:
    # in place (SQLite ≥ 3.35 drops a column itself): a copied and recreated table would be dropped first, and
    # SQLite deletes the rows that cascade from a table it drops (cells, facts, findings)
    with op.batch_alter_table('version', recreate='never') as batch:
        batch.drop_column('report')
