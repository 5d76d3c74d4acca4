"""Unknown query parameters are a 422, as the OpenAPI document promises (each operation lists
the parameters it takes): a misspelt ``include_inactive`` must not be silently ignored."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from routing.errors import FieldProblem, InvalidInput

__all__ = ["known_only"]

_NAMES: dict[int, frozenset[str]] = {}  # per route: the query parameters it declares


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _declared(route: APIRoute) -> frozenset[str]:
    names = _NAMES.get(id(route))
    if names is None:
        names = _NAMES[id(route)] = frozenset(_query_names(route.dependant))
    return names


async def known_only(request: Request) -> None:
    """A router dependency: raise :class:`InvalidInput` naming ``query`` (never the name sent: it
    is the caller's input) when the request has a query parameter its operation does not take."""
    route = request.scope.get("route")
    if not request.query_params or not isinstance(route, APIRoute):
        return
    declared = _declared(route)
    if any(name not in declared for name in request.query_params):
        takes = ", ".join(sorted(declared)) or "none"
        raise InvalidInput([FieldProblem("query", f"unknown query parameter; this operation takes: {takes}")])
