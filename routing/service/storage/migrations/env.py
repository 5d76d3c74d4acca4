"""Alembic environment: runs on the connection handed in by :func:`routing.service.storage.database.migrate`
(``config.attributes["connection"]``), or on ``sqlalchemy.url`` when run from the alembic CLI."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from routing.service.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///handoff.db")
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
