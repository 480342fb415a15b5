"""each version's narrative paragraphs in a table of their own, copied from the read model it keeps

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('narrative',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('paragraphs', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('version_id')
    )
    # the versions stored before: their paragraphs as their read model keeps them, copied by the database
    paragraphs = ("coalesce(json_extract(disclosure, '$.narrative.paragraphs'), '[]')"
                  if op.get_bind().dialect.name == 'sqlite'
                  else "coalesce(disclosure -> 'narrative' -> 'paragraphs', '[]'::json)")
    op.execute(f"INSERT INTO narrative (version_id, paragraphs) SELECT id, {paragraphs} FROM version")


def downgrade() -> None:
    op.drop_table('narrative')
