"""The capacity simulator, in three stages that import one way: define -> run -> plan.

* :mod:`simulator.scenario` -- define: scenario files, their data files (interval forecasts,
  escalation logs) and loading;
* the run stage, the modules here: arrivals and demand, the SimPy model driving the production
  dispatcher (:mod:`simulator.model`), records, metrics and their catalogue, replications and where
  they run, queueing formulas, random streams, result files, and the simulator's commands;
* :mod:`simulator.planning` -- plan: staffing search, skill graph, shift scheduling, closed loop.
"""
