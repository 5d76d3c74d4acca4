"""Offer ids: built and read back in one place, in the dispatcher's form and the API's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import offer_ids

escalation_ids = st.text(min_size=1, max_size=40)
attempts = st.integers(1, 10**9 - 1)


@given(escalation_ids, attempts)
def test_the_escalation_comes_back_from_its_offer_id(escalation_id: str, attempt: int) -> None:
    offer_id = offer_ids.offer_id(escalation_id, attempt)
    assert offer_id == f"{escalation_id}#{attempt}"
    assert offer_ids.escalation_id_of(offer_id) == escalation_id


@given(escalation_ids, attempts)
def test_api_form_round_trips(escalation_id: str, attempt: int) -> None:
    offer_id = offer_ids.offer_id(escalation_id, attempt)
    api_id = offer_ids.to_api(offer_id)
    assert api_id.endswith(f"~{attempt}")
    assert offer_ids.from_api(api_id) == offer_id


def test_ids_without_a_separator_pass_through() -> None:
    assert offer_ids.to_api(None) is None
    assert offer_ids.to_api("plain") == "plain"
    assert offer_ids.from_api("plain") == "plain"
    assert offer_ids.escalation_id_of("plain") == ""


def test_the_api_pattern_needs_an_anchored_id_pattern() -> None:
    assert offer_ids.api_pattern("^[a-z]+$") == "^[a-z]+~[0-9]{1,9}$"
    with pytest.raises(ValueError, match="anchored"):
        offer_ids.api_pattern("[a-z]+")
