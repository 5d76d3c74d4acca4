"""Documents from results: the capacity report (HTML, charts, tables, plan.json), console views,
and the ``handoff`` command line, which assembles every package's commands."""
