"""Headless Chromium for the tests that look at a page as a person does (the capacity report, the
wallboard): Debian's ``chromium`` and ``chromium-driver`` driven by selenium.

``.ci/ensure_chromium.sh`` installs them; CI runs it first. Without them a test skips on a laptop
but FAILS in CI (``CI`` set), so a broken CI image cannot pass silently.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest


def need(what: str) -> None:
    """Skip (fail in CI) for want of ``what``."""
    message = f"{what} (run .ci/ensure_chromium.sh: it installs Debian's chromium and chromium-driver)"
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI is set but {message}")
    pytest.skip(message)


def chromium() -> tuple[str, str]:
    """Paths of the chromium binary and of chromedriver (skips or fails without them)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        need("chromium is not installed" if browser is None else "chromedriver is not installed")
    assert browser is not None
    assert driver is not None
    return browser, driver


@contextmanager
def headless_chromium(window_size: str) -> Iterator[Any]:
    """A selenium driver of headless Chromium with a ``window_size`` ("1200,900") window, at scale
    1, keeping the browser console; quit on exit."""
    binary, driver_path = chromium()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        need("selenium is not installed (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={window_size}",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # an explicit driver path: selenium never looks for (or downloads) a driver itself
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
