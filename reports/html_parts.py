"""The building blocks of the reports' HTML: the page and its stylesheet, tables and embedded
charts, every string escaped.

Callers pass plain text; escaping happens here and only here, so a scenario name or a note can
never inject markup.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from reports.charts import CHARTS

__all__ = ["CSS", "chart", "html_page", "html_table"]

_CAPTIONS = dict(CHARTS)

#: The reports' shared stylesheet (screen and A4 print), inlined in every HTML report.
CSS = """
:root { --ok: #1a7f37; --miss: #b42318; --ink: #1d1d1f; --muted: #5f6368; --rule: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 980px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; border-bottom: 2px solid var(--rule); padding-bottom: 4px; margin-top: 32px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.verdict { font-size: 18px; font-weight: 600; padding: 10px 14px; border-radius: 6px; margin: 8px 0 12px; }
.verdict.ok { background: #dafbe1; color: var(--ok); border-left: 6px solid var(--ok); }
.verdict.miss { background: #ffebe9; color: var(--miss); border-left: 6px solid var(--miss); }
.verdict.warn { background: #fff8c5; color: #7d4e00; border-left: 6px solid #bf8700; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; width: 100%; }
table.headcount { width: auto; min-width: 60%; }
table.small { font-size: 12px; }
table.kpi td:first-child { min-width: 13em; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num { text-align: right; }
tbody tr:last-child td { border-bottom: 1px solid #8c959f; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
figure { margin: 10px 0 16px; } figure img { width: 100%; height: auto; display: block; }
figcaption, .note { color: var(--muted); font-size: 12px; }
code { font-size: 12px; background: #f6f8fa; padding: 0 3px; border-radius: 3px; }
nav ol { columns: 2; margin: 4px 0 0; padding-left: 0; list-style: none; }
@page { size: A4; margin: 12mm 11mm 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  section { break-before: page; }
  section#headline { break-before: auto; }
  h2, h3 { break-after: avoid; }
  figure, .verdict, tr, dl.facts { break-inside: avoid; }
  figure img { max-height: 245mm; object-fit: contain; }
  table { font-size: 9.5pt; }
  a { color: inherit; text-decoration: none; }
  .verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def html_table(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, numeric_from: int = 1, cls: str = ""
) -> str:
    """An HTML table of plain-text cells; columns from ``numeric_from`` on are right-aligned
    numbers (``class="num"``), ``cls`` is the table's class."""

    def cells(tag: str, values: Sequence[str]) -> str:
        return "".join(
            f'<{tag} class="num">{escape(v)}</{tag}>' if i >= numeric_from else f"<{tag}>{escape(v)}</{tag}>"
            for i, v in enumerate(values)
        )

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    klass = f' class="{cls}"' if cls else ""
    return f"<table{klass}><thead><tr>{cells('th', header)}</tr></thead><tbody>{body}</tbody></table>"


def chart(name: str, pngs: Mapping[str, bytes], caption: str | None = None) -> str:
    """Chart ``name`` embedded as a base64 PNG with its caption (default: the capacity report's,
    :data:`reports.charts.CHARTS`); empty when ``pngs`` lacks it."""
    png = pngs.get(name)
    if png is None:
        return ""
    caption = caption if caption is not None else _CAPTIONS[name]
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{escape(caption)}">'
        f"<figcaption>{escape(caption)} (also <code>charts/{escape(name)}.svg</code>)</figcaption></figure>"
    )


def html_page(title: str, sub: str, files_html: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """A whole self-contained report page: ``title``, the ``sub`` line, a note naming the files
    beside it (``files_html``, trusted markup), the contents and each ``(anchor, heading, html)``
    section; styles inline (:data:`CSS`), prints on A4."""
    nav = "".join(f'<li><a href="#{key}">{escape(heading)}</a></li>' for key, heading, _ in sections)
    body = "".join(
        f'<section id="{key}"><h2>{escape(heading)}</h2>{html}</section>' for key, heading, html in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><p class=sub>{escape(sub)}</p>"
        f"<p class=note>Files beside this report: {files_html}.</p>"
        f"<nav><ol>{nav}</ol></nav></header>{body}"
        "</body></html>\n"
    )
