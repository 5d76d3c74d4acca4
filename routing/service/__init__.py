"""The routing service: an HTTP shell (FastAPI) and durable storage (SQLAlchemy) around the pure
:class:`~routing.dispatcher.Dispatcher`.

Layers, outside in: ``api/`` (routers, auth, problem+json; the only place HTTP exists) and
:mod:`routing.service.schemas` (request/response bodies) ->
:mod:`routing.service.core` (the operations; writes run as one event at a time per tenant in
:mod:`routing.service.unit_of_work`, under a lock, persisted before they are acknowledged; reads
build :mod:`routing.service.views`) -> :mod:`routing.service.storage` (tables, migrations,
repository) and the dispatcher itself. Tenants and API keys are administered by
:mod:`routing.service.tenants` (``/v1/admin`` and ``handoff tenants`` / ``handoff keys``). Start it
with ``handoff serve``; build it in code with :func:`routing.service.app.create_app`.
"""
