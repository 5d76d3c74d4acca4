"""The offer ids the API shows match the path pattern it validates them with."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from routing import offer_ids
from routing.service.schemas import ID_PATTERN, OFFER_ID_PATTERN


@given(st.from_regex(ID_PATTERN, fullmatch=True), st.integers(1, 10**9 - 1))
def test_api_ids_of_url_safe_escalations_match_the_path_pattern(escalation_id: str, attempt: int) -> None:
    api_id = offer_ids.to_api(offer_ids.offer_id(escalation_id, attempt))
    assert re.fullmatch(OFFER_ID_PATTERN, api_id)
    assert api_id == f"{escalation_id}~{attempt}"
    assert offer_ids.from_api(api_id) == f"{escalation_id}#{attempt}"


def test_the_path_pattern_is_unchanged() -> None:
    """Built from the escalation id pattern, it is still the pattern the OpenAPI document shows."""
    assert OFFER_ID_PATTERN == r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}~[0-9]{1,9}$"
