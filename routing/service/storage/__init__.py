"""Durable state of the routing service: tables (:mod:`.models`), migrations (Alembic, in
``migrations/``), connections and locks (:mod:`.database`) and queries (:mod:`.repository`; the
administration's, across tenants, in :mod:`.admin`)."""
