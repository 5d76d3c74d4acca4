"""Writing a report's files: every chart as PNG and SVG, every table as CSV.

Shared by the capacity report and the escalation review, so their files look alike: charts in
``charts/NAME.png`` (:data:`PNG_DPI`, no software tag, reproducible) and ``charts/NAME.svg`` (no
date), tables in ``tables/NAME.csv``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

from matplotlib.figure import Figure

from reports.report_tables import Table

__all__ = ["PNG_DPI", "save_charts", "write_csv", "write_tables"]

PNG_DPI = 150  # 7.5 in x 150 dpi = 1125 px: sharp on screen and on A4 paper, ~100 kB a chart


def save_charts(figures: Mapping[str, Figure], out_dir: Path) -> tuple[dict[str, bytes], dict[str, Path]]:
    """Write each figure as ``charts/NAME.png`` and ``.svg`` under ``out_dir`` (the folder is
    created); return the PNG bytes by chart name (to embed) and the files written by their path
    relative to ``out_dir``."""
    (out_dir / "charts").mkdir(parents=True, exist_ok=True)
    pngs: dict[str, bytes] = {}
    written: dict[str, Path] = {}
    for name, fig in figures.items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None})
        pngs[name] = buf.getvalue()
        png_path = out_dir / "charts" / f"{name}.png"
        png_path.write_bytes(pngs[name])
        svg_path = out_dir / "charts" / f"{name}.svg"
        fig.savefig(svg_path, format="svg", metadata={"Date": None})
        written[f"charts/{name}.png"] = png_path
        written[f"charts/{name}.svg"] = svg_path
    return pngs, written


def write_tables(tables: Mapping[str, Table], out_dir: Path) -> dict[str, Path]:
    """Write each table as ``tables/NAME.csv`` under ``out_dir`` (the folder is created); return
    the files written by their path relative to ``out_dir``."""
    (out_dir / "tables").mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, table in tables.items():
        path = out_dir / "tables" / f"{name}.csv"
        write_csv(table, path)
        written[f"tables/{name}.csv"] = path
    return written


def write_csv(table: Table, path: Path) -> None:
    """Write ``table`` to ``path`` as CSV (its header, then its rows). Raise an OSError if it
    cannot be written."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(table.header)
        writer.writerows(table.rows)
