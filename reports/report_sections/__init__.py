"""The capacity report's sections, one module each, in the order a manager reads them.

Each section module's ``render(plan, pngs)`` returns the section's HTML body, its chart included
(from ``pngs``, chart name -> PNG bytes); :data:`reports.report_html.SECTIONS` puts them in order
with their anchors and titles. The building blocks (tables, charts, escaping) are in
:mod:`reports.html_parts`; wording shared with the console in :mod:`reports.report_text`.
"""
