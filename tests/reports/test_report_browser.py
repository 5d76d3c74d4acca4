"""The capacity report as a person sees it: report.html rendered in headless Chromium.

Headless Chromium from :mod:`tests.browser` (skips on a laptop without it, fails in CI). The
screenshot lands in the test's tmp
dir and is copied to ``$HANDOFF_SCREENSHOT_DIR`` (default: the system temp dir), path printed at
the end of the run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reports.report_html import SECTIONS
from tests.browser import chromium, headless_chromium
from tests.reports.conftest import LOOK_AT


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with headless_chromium("1200,900") as driver:
        yield driver


IMAGES = """
return Array.from(document.images).map(img => ({
  alt: img.alt, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight,
  shown: img.getBoundingClientRect().width
}));
"""
SVGS = """
return Array.from(document.querySelectorAll('svg')).map(s => {
  const r = s.getBoundingClientRect(); return {width: r.width, height: r.height};
});
"""


def test_report_renders_in_chromium(browser: Any, report: dict[str, Path], tmp_path: Path) -> None:
    html = report["report.html"]
    browser.get(html.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    assert browser.title.startswith("Capacity report: ")

    images = browser.execute_script(IMAGES)
    assert len(images) == len(
        [name for name in report if name.startswith("charts/") and name.endswith(".png")]
    )
    for img in images:
        assert img["complete"], img["alt"]
        assert img["width"] > 0, img["alt"]
        assert img["shown"] > 500, img["alt"]  # laid out at (nearly) the page width
    for svg in browser.execute_script(SVGS):  # inline SVG, if any, must have a size
        assert svg["width"] > 0
        assert svg["height"] > 0

    sections = browser.execute_script(
        "return Array.from(document.querySelectorAll('h2')).map(h => h.innerText)"
    )
    assert [s.split(".")[0] for s in sections] == [str(i) for i in range(1, len(SECTIONS) + 1)]

    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []

    # the whole page in one picture: make the window as tall as the document
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    browser.set_window_size(1200, min(height + 100, 16000))
    shot = tmp_path / "report-screenshot.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 50_000
    keep_dir = Path(os.environ.get("HANDOFF_SCREENSHOT_DIR", tempfile.gettempdir()))
    keep_dir.mkdir(parents=True, exist_ok=True)
    kept = keep_dir / "handoff-report-screenshot.png"
    shutil.copyfile(shot, kept)
    LOOK_AT.append(f"capacity report screenshot (headless Chromium): {kept}")
    print(f"screenshot: {kept}")

    # and on paper: Chromium's own print to PDF, A4, with the print stylesheet
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})
    import base64

    data = base64.b64decode(pdf["data"])
    assert data[:5] == b"%PDF-"
    (tmp_path / "report.pdf").write_bytes(data)
    shutil.copyfile(tmp_path / "report.pdf", keep_dir / "handoff-report.pdf")
    LOOK_AT.append(f"capacity report printed to PDF (A4): {keep_dir / 'handoff-report.pdf'}")


@pytest.mark.parametrize(
    ("ci", "outcome"),
    [("", pytest.skip.Exception), ("false", pytest.skip.Exception), ("true", pytest.fail.Exception)],
)
def test_missing_chromium_skips_on_a_laptop_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(outcome, match=r"chromium is not installed \(run \.ci/ensure_chromium\.sh"):
        chromium()


def test_ci_installs_chromium_before_the_tests() -> None:
    root = Path(__file__).resolve().parents[2]
    script = root / ".ci" / "ensure_chromium.sh"
    assert os.access(script, os.X_OK)
    assert "apt-get install" in script.read_text(encoding="utf-8")
    run = (root / ".ci" / "run").read_text(encoding="utf-8")
    assert ".ci/ensure_chromium.sh" in run
    assert run.index(".ci/ensure_chromium.sh") < run.index("python -m pytest")
