"""Define: what a planner describes -- the scenario file's models, its data files, and loading.

The first of the simulator's three stages (define -> run -> plan). Nothing here runs a simulation
or imports the planning stack or OR-Tools: ``handoff scenario check`` loads only this package.
"""

from simulator.scenario.labour_rules import Contract, LabourRules
from simulator.scenario.loading import load_scenario, scenario_json_schema
from simulator.scenario.models import (
    AgentGroup,
    DemandSegment,
    Distribution,
    ForecastFilter,
    OfferBehaviour,
    Peak,
    ReplaySource,
    Scenario,
)
from simulator.scenario.people import NamedAgent
from simulator.scenario.shift_plans import BreakRule, ShiftPlan, ShiftTemplate
from simulator.scenario.targets import ServiceLevelTarget, Target

__all__ = [
    "AgentGroup",
    "BreakRule",
    "Contract",
    "DemandSegment",
    "Distribution",
    "ForecastFilter",
    "LabourRules",
    "NamedAgent",
    "OfferBehaviour",
    "Peak",
    "ReplaySource",
    "Scenario",
    "ServiceLevelTarget",
    "ShiftPlan",
    "ShiftTemplate",
    "Target",
    "load_scenario",
    "scenario_json_schema",
]
