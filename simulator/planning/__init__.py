"""Plan: from a scenario's demand to the staffing, the shifts and the verdict.

The last of the simulator's three stages (define -> run -> plan): staffing groups, demand levels,
the staffing search through the production dispatcher, the skill graph (pools and max-flow bounds),
shift scheduling with CP-SAT, and the closed loop that re-simulates the recommended shifts.
"""
