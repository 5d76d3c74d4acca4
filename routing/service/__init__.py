"""The routing service: an HTTP shell (FastAPI) and durable storage (SQLAlchemy) around the pure
:class:`~routing.dispatcher.Dispatcher`.

Layers, outside in: ``api/`` (routers, auth, problem+json; the only place HTTP exists) and
:mod:`routing.service.schemas` (request/response bodies) ->
:mod:`routing.service.core` (one event at a time per tenant, under a lock, persisted before it
is acknowledged) -> :mod:`routing.service.storage` (tables, migrations, repository) and the
dispatcher itself. Start it with ``handoff serve``; build it in code with
:func:`routing.service.app.create_app`.
"""
