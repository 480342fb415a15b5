"""Alembic environment: the connection is handed in by yusuan.store.db.migrate, or made from
YUSUAN_DATABASE_URL when alembic runs from the command line."""

from alembic import context
from sqlalchemy import create_engine

from yusuan.store.db import database_url
from yusuan.store.schema import Base

target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        with create_engine(database_url()).begin() as made:
            context.configure(connection=made, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
