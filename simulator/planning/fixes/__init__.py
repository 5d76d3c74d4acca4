"""Fixes for what staffing alone cannot cover: hours where no group able to serve a segment can be
on shift, or a segment no group has the skills for.

One concept per module, in the order the job runs:

* :mod:`~simulator.planning.fixes.gaps`: the coverage gaps (segment part x interval);
* :mod:`~simulator.planning.fixes.fix`: a structural fix and applying it to a scenario;
* :mod:`~simulator.planning.fixes.candidates`: the candidate fixes (a new shift template at an
  existing site, cross-training, a new site) and a first price for each;
* :mod:`~simulator.planning.fixes.proposals`: measuring, combining, verifying by re-planning and
  ranking them, and :func:`plan_with_fixes`, the job behind ``handoff plan``.

The scenario's ``fix_rules`` (:class:`simulator.scenario.fix_rules.FixRules`) bound the site hours
and set the prices.
"""

from simulator.planning.fixes.candidates import Candidate, candidate_fixes, covering_templates, estimated_cost
from simulator.planning.fixes.fix import FixChanges, FixKind, StructuralFix, apply_fix
from simulator.planning.fixes.gaps import CoverageGap, GapReason, Gaps, find_gaps
from simulator.planning.fixes.proposals import (
    DEFAULT_VERIFIED_FIXES,
    FixVerification,
    ProposedFix,
    check_fix_number,
    plan_with_fixes,
    propose_fixes,
)

__all__ = [
    "DEFAULT_VERIFIED_FIXES",
    "Candidate",
    "CoverageGap",
    "FixChanges",
    "FixKind",
    "FixVerification",
    "GapReason",
    "Gaps",
    "ProposedFix",
    "StructuralFix",
    "apply_fix",
    "candidate_fixes",
    "check_fix_number",
    "covering_templates",
    "estimated_cost",
    "find_gaps",
    "plan_with_fixes",
    "propose_fixes",
]
