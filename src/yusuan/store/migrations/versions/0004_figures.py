"""each version's key figures (支出合计, 人员经费, 机关运行经费, “三公”经费, staff …), with the cell or paragraph
they were printed in

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 04:30:00
"""

import sqlalchemy as sa
from alembic import op
from pydantic import ValidationError

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

VERSIONS = sa.table('version', sa.column('id', sa.Integer), sa.column('disclosure', sa.JSON))
CELLS = sa.table('cell', sa.column('id', sa.Integer), sa.column('version_id', sa.Integer),
                 sa.column('table_number', sa.String), sa.column('table_kind', sa.String), sa.column('row', sa.Integer),
                 sa.column('column_key', sa.String))


def upgrade() -> None:
    op.create_table('figure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('value', sa.Numeric(precision=20, scale=2, asdecimal=True), nullable=False),
    sa.Column('unit', sa.String(length=4), nullable=False),
    sa.Column('cell_id', sa.Integer(), nullable=True),
    sa.Column('paragraph', sa.Integer(), nullable=True),
    sa.Column('source', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['cell_id'], ['cell.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['version.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('figure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_figure_version_id'), ['version_id'], unique=False)
    _figures_of_stored_versions()


def _figures_of_stored_versions() -> None:
    """The versions stored before: their figures from the read model and cells they keep, one version at a time
    (a version's read model can be large). Nothing they hold changes."""
    from yusuan.store.documents import from_stored
    from yusuan.store.figures import figure_rows
    from yusuan.store.schema import Figure

    bind = op.get_bind()
    ids = bind.execute(sa.select(VERSIONS.c.id).order_by(VERSIONS.c.id)).scalars().all()
    columns = [c for c in Figure.__table__.columns if c.key != 'id']
    for version_id in ids:
        stored = bind.execute(sa.select(VERSIONS.c.disclosure).where(VERSIONS.c.id == version_id)).scalar_one()
        try:
            disclosure = from_stored(stored)
        except ValidationError:  # a read model the model of today cannot take back: the version keeps no figures
            continue
        cells = bind.execute(sa.select(CELLS).where(CELLS.c.version_id == version_id).order_by(CELLS.c.id)).all()
        rows = [{c.key: getattr(f, c.key) for c in columns} for f in figure_rows(version_id, disclosure, cells)]
        if rows:
            bind.execute(Figure.__table__.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table('figure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_figure_version_id'))
    op.drop_table('figure')
