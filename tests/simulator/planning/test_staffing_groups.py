"""Staffing groups: roster groups differing only by shift are one group."""

from __future__ import annotations

from simulator.planning.staffing_groups import staffing_groups
from tests.simulator.planning.small_scenario import scenario


def test_groups_differing_only_by_shift_are_one_staffing_group() -> None:
    shift = {"days": "mon-fri", "start": "08:00", "end": "16:00"}
    late = {"days": "mon-fri", "start": "14:00", "end": "22:00"}
    s = scenario(
        roster=[
            {"group": "dublin-early", "count": 3, "skills": {"general": 3}, "shifts": [shift]},
            {"group": "dublin-late", "count": 4, "skills": {"general": 3}, "shifts": [late]},
            {"group": "experts", "count": 2, "skills": {"general": 5}, "tier": 2},
        ]
    )
    groups = staffing_groups(s)
    assert [(g.name, g.members) for g in groups] == [
        ("dublin", ("dublin-early", "dublin-late")),
        ("experts", ("experts",)),
    ]
