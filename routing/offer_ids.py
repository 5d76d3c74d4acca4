"""Offer ids: the one place their format is written.

The dispatcher names the ``n``-th offer of an escalation ``"{escalation_id}#{n}"`` (``n`` from 1).
The HTTP API shows the same id with ``~`` for ``#`` (``#`` would start a URL fragment), and its
path pattern is built here from the pattern of escalation ids. The attempt number is always the
digits after the *last* separator, so an escalation id may itself contain the separator.
"""

from __future__ import annotations

from typing import overload

SEPARATOR = "#"
API_SEPARATOR = "~"
#: The attempt part of an API offer id, as a regular expression.
_ATTEMPT_PATTERN = "[0-9]{1,9}"


def offer_id(escalation_id: str, attempt: int) -> str:
    """The dispatcher's id of the ``attempt``-th offer of ``escalation_id``."""
    return f"{escalation_id}{SEPARATOR}{attempt}"


def escalation_id_of(offer_id: str) -> str:
    """The escalation part of a dispatcher offer id; ``""`` when it has no separator."""
    return offer_id.rpartition(SEPARATOR)[0]


def _swap(offer_id: str, old: str, new: str) -> str:
    escalation_id, sep, attempt = offer_id.rpartition(old)
    return f"{escalation_id}{new}{attempt}" if sep else offer_id


@overload
def to_api(offer_id: str) -> str: ...
@overload
def to_api(offer_id: None) -> None: ...
def to_api(offer_id: str | None) -> str | None:
    """A dispatcher offer id as the API shows it (``esc#2`` -> ``esc~2``); ``None`` stays ``None``.

    An id without the separator comes back unchanged.
    """
    return None if offer_id is None else _swap(offer_id, SEPARATOR, API_SEPARATOR)


def from_api(api_offer_id: str) -> str:
    """An API offer id as the dispatcher knows it (``esc~2`` -> ``esc#2``); the inverse of
    :func:`to_api`. An id without the API separator comes back unchanged."""
    return _swap(api_offer_id, API_SEPARATOR, SEPARATOR)


def api_pattern(id_pattern: str) -> str:
    """The regular expression of API offer ids whose escalation part matches ``id_pattern``.

    Raise a ValueError if ``id_pattern`` is not anchored at both ends (``^...$``).
    """
    if not (id_pattern.startswith("^") and id_pattern.endswith("$")):
        raise ValueError(f"id_pattern(={id_pattern!r}) must be anchored with ^ and $")
    return f"{id_pattern[:-1]}{API_SEPARATOR}{_ATTEMPT_PATTERN}$"
