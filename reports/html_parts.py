"""The building blocks of the report's HTML: tables and embedded charts, every string escaped.

Callers pass plain text; escaping happens here and only here, so a scenario name or a note can
never inject markup.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from html import escape

from reports.charts import CHARTS

__all__ = ["chart", "html_table"]

_CAPTIONS = dict(CHARTS)


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


def chart(name: str, pngs: Mapping[str, bytes]) -> str:
    """Chart ``name`` embedded as a base64 PNG with its caption; empty when ``pngs`` lacks it."""
    png = pngs.get(name)
    if png is None:
        return ""
    caption = _CAPTIONS[name]
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{escape(caption)}">'
        f"<figcaption>{escape(caption)} (also <code>charts/{escape(name)}.svg</code>)</figcaption></figure>"
    )
