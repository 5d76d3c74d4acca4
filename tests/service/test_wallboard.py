"""``GET /wallboard``, the supervisors' page, as a person sees it: the real service (uvicorn,
SQLite in the test's tmp dir) and headless Chromium (Debian's chromium + chromedriver, driven by
selenium; skipped on a laptop without them, a failure in CI: tests/reports/test_report_browser.py).

The page is given a read-scoped key in its form, then agents and escalations are created through
the API: each decision shows on the page within a second, with its explanation, the queue and agent
panels follow, strings from the server are shown as text (never HTML), and the browser logs no
error. Without ``/v1/stats`` (404) the page computes what it can from ``/v1/queues`` and the events;
after the service restarts it reconnects and resumes with ``Last-Event-ID``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import pytest
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from routing.service import tenants
from routing.service.api.wallboard import CONTENT_SECURITY_POLICY
from routing.service.app import app_from_env, create_app
from routing.service.settings import ServiceSettings
from routing.service.storage.database import Database
from tests.browser import headless_chromium
from tests.service.conftest import agent_body, escalation_body
from tests.service.servers import HEADERS, Server

ROOT = Path(__file__).resolve().parents[2]
FAST = {"HANDOFF_WEBHOOKS__INTERVAL_S": "0", "HANDOFF_STREAM__HEARTBEAT_S": "1"}
T = TypeVar("T")


def app_without_stats() -> ASGIApp:
    """The service as it was before ``GET /v1/stats`` (a uvicorn factory: the page must cope)."""
    app = app_from_env()

    async def without_stats(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/stats":
            body = {"type": "about:blank", "title": "Not Found", "status": 404}
            await JSONResponse(body, 404, media_type="application/problem+json")(scope, receive, send)
            return
        await app(scope, receive, send)

    return without_stats


def app_server(target: str, database_url: str, log_path: Path, **env: str) -> Server:
    """:class:`Server` running the app factory ``target`` (``module:function``) of this tree."""
    return Server(database_url, log_path, target=target, cwd=ROOT, PYTHONPATH=str(ROOT), **env)


# ---------------------------------------------------------------------------------- plain HTTP
def test_the_page_and_its_assets_answer_with_their_types_and_a_strict_csp(tmp_path: Path) -> None:
    settings = ServiceSettings(database_url=f"sqlite:///{tmp_path / 'h.db'}", tick_interval_s=0)
    with TestClient(create_app(settings)) as client:
        for path, media_type in [
            ("/wallboard", "text/html"),
            ("/wallboard/wallboard.js", "text/javascript"),
            ("/wallboard/wallboard.css", "text/css"),
            ("/wallboard/favicon.svg", "image/svg+xml"),
        ]:
            r = client.get(path)  # no key: the page holds no data
            assert r.status_code == 200, path
            assert r.headers["content-type"].split(";")[0] == media_type, path
            assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            assert r.headers["x-content-type-options"] == "nosniff"
        for missing in ("/wallboard/index.html", "/wallboard/secrets.txt", "/wallboard/..%2Fapp.py"):
            assert client.get(missing).status_code == 404, missing
        html = client.get("/wallboard").text
        assert "wallboard/wallboard.js" in html
        assert "<script>" not in html  # no inline script (the CSP would refuse it anyway)
        assert "http://" not in html.replace('"http://www.w3.org', "")
        assert "https://" not in html
        assert "/wallboard" not in client.get("/openapi.json").json()["paths"]
    policy = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["form-action"] == "'none'"  # the key can never be submitted into a URL
    assert policy["frame-ancestors"] == "'none'"


def test_the_page_ships_with_the_package() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    shipped = ROOT / "routing" / "service" / "wallboard"
    for name in ("index.html", "wallboard.js", "wallboard.css", "favicon.svg"):
        assert (shipped / name).is_file()
        assert f'"wallboard/*{Path(name).suffix}"' in pyproject, name


def test_the_script_never_writes_html() -> None:
    script = (ROOT / "routing" / "service" / "wallboard" / "wallboard.js").read_text()
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new EventSource",
    ):
        assert sink not in script, sink


# ---------------------------------------------------------------------------------- the browser
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with headless_chromium("1600,1200") as driver:
        yield driver


def _read_key(database_url: str) -> str:
    db = Database(database_url)
    try:
        return tenants.provision(db, "acme", scopes=["read"], now_s=time.time())
    finally:
        db.dispose()


def until(what: Callable[[], T | None], timeout_s: float, message: str) -> T:
    """Poll ``what`` until it gives something truthy; fail with ``message`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        got = what()
        if got:
            return got
        if time.monotonic() > deadline:
            pytest.fail(f"{message} (after {timeout_s} s; last: {got!r})")
        time.sleep(0.02)


ROW = "return Array.from(document.querySelectorAll('#decisions tbody tr')).map(r => ({type: r.dataset.type, escalation: r.dataset.escalation, text: r.innerText}))"  # noqa: E501


class Board:
    """The page in the browser, and the API beside it."""

    def __init__(self, driver: Any, server: Server, read_key: str) -> None:
        self.driver = driver
        self.server = server
        self.read_key = read_key
        self.http = httpx.Client(base_url=server.url, headers=HEADERS, timeout=10)

    def close(self) -> None:
        """Leave the page (before its server stops: no reconnecting behind the next test's back)."""
        self.driver.get("about:blank")
        self.http.close()

    def js(self, script: str) -> Any:
        return self.driver.execute_script(script)

    def state(self) -> str:
        """The connection state the page shows (signed-out, connecting, live, reconnecting, ...)."""
        return str(self.js("return document.getElementById('connection').dataset.state"))

    def text(self, element_id: str) -> str:
        return str(self.js(f"return document.getElementById('{element_id}').innerText"))

    def open_and_sign_in(self) -> None:
        from selenium.webdriver.common.by import By

        self.driver.get("about:blank")
        self.driver.get_log("browser")  # what an earlier page said is not this page's
        self.driver.get(self.server.url + "/wallboard")
        assert self.driver.title == "Handoff wallboard"
        assert self.text("connection") == "Signed out"
        self.driver.find_element(By.ID, "api-key").send_keys(self.read_key)
        self.driver.find_element(By.CSS_SELECTOR, "#key-form button[type=submit]").click()
        until(lambda: self.state() == "live", 5, "the stream is live")
        assert self.driver.current_url == self.server.url + "/wallboard"  # the key is in no URL
        assert self.js("return sessionStorage.getItem('handoff.wallboard.key')") == self.read_key

    def decisions(self) -> list[dict[str, str]]:
        return list(self.js(ROW))

    def decision(self, escalation_id: str, event_type: str, timeout_s: float = 1.0) -> dict[str, str]:
        def find() -> dict[str, str] | None:
            rows = self.decisions()
            return next(
                (r for r in rows if r["escalation"] == escalation_id and r["type"] == event_type), None
            )

        return until(find, timeout_s, f"{event_type} of {escalation_id} shown")

    def escalate(self, esc_id: str, **fields: Any) -> dict[str, Any]:
        now = datetime.now(UTC).isoformat()
        r = self.http.post(
            "/v1/escalations",
            json=escalation_body(esc_id, created_at=now, **fields),
            headers={"Idempotency-Key": esc_id},
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    def severe(self, *expected: str) -> list[dict[str, Any]]:
        """The browser's error logs, but those naming one of ``expected``."""
        logs = self.driver.get_log("browser")
        return [e for e in logs if e["level"] == "SEVERE" and not any(x in e["message"] for x in expected)]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(f"sqlite:///{tmp_path / 'handoff.db'}", tmp_path / "server.log", **FAST).start()
    try:
        yield running
    finally:
        running.stop()


def test_the_wallboard_shows_decisions_queues_and_agents_live(
    browser: Any, server: Server, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    board = Board(browser, server, _read_key(f"sqlite:///{tmp_path / 'handoff.db'}"))
    request.addfinalizer(board.close)
    board.open_and_sign_in()
    assert board.text("decisions-empty") == "No decision since this page opened."

    assert board.http.post("/v1/agents", json=agent_body("ana", channels={"chat": 1})).status_code == 201
    created = board.escalate("e1")
    decided = time.monotonic()
    offered = board.decision("e1", "escalation.offered")
    assert time.monotonic() - decided < 1.0
    assert "ana" in offered["text"]
    assert "customer asked for a human" in offered["text"]  # the reason of the escalation
    assert "double charge" in offered["text"]  # its summary (never the transcript)
    assert "I was charged twice" not in offered["text"]
    agent_row = "return document.querySelector('#agents tr[data-agent=\"ana\"]')?.innerText"
    until(lambda: "chat 1" in (board.js(agent_row) or ""), 1.0, "ana shown with her slot in use")

    # ana is at her cap: the next one waits, and the queue panel shows it, its wait ticking
    hostile = "<img src=x onerror=\"document.title='owned'\"><b>bold</b>"
    queued_at = time.monotonic()
    board.escalate("e2", context={**escalation_body("e2")["context"], "reason": hostile})
    queued = board.decision("e2", "escalation.queued")
    assert time.monotonic() - queued_at < 1.0
    assert "position 1" in queued["text"]
    until(lambda: board.text("t-waiting") == "1", 1.0, "one waiting")
    rows = "return Array.from(document.querySelectorAll('#queues tbody tr')).map(r => r.innerText)"
    until(lambda: any("chat" in r and "billing" in r for r in board.js(rows)), 1.0, "the chat queue shown")
    first = board.text("t-longest")
    until(lambda: board.text("t-longest") != first, 2.5, "the longest wait ticks in the browser")
    assert board.js("return document.getElementById('t-longest').classList.contains('ok')")

    # acceptance: the decision, the agent's status, and the service level against 30 s
    offer_id = created["decision"]["offer_id"]
    assert board.http.post(f"/v1/offers/{quote(offer_id)}/accept").status_code == 200
    accepted = board.decision("e1", "escalation.assigned")
    assert "accepted by ana" in accepted["text"]
    assert "within 30 s" in accepted["text"]
    until(lambda: board.text("t-service-level").startswith("100 %"), 1.0, "service level 100 %")
    assert board.js("return document.getElementById('t-service-level').classList.contains('ok')")
    assert "Today since" in board.text("sl-source")  # from /v1/stats
    until(lambda: board.text("t-offers").startswith("1 /"), 1.0, "one offer accepted")

    # a status change reaches the agents panel (no event: the next refresh, within 10 s)
    r = board.http.put("/v1/agents/ana/status", json={"status": "away"})
    assert r.status_code == 200, r.text
    until(lambda: "Away" in (board.js(agent_row) or ""), 11.0, "ana shown away")
    counts = "return document.querySelector('#agent-counts td[data-status=\"away\"]').innerText"
    until(lambda: board.js(counts) == "1", 1.0, "one agent away")

    # a new agent takes the waiting one; its reason, from the server, is text, never markup
    assert board.http.post("/v1/agents", json=agent_body("cy", channels={"chat": 1})).status_code == 201
    assert hostile in board.decision("e2", "escalation.offered")["text"]
    until(lambda: board.text("t-waiting") == "0", 1.0, "nothing waiting")
    assert board.js("return document.querySelectorAll('#decisions img, #decisions b').length") == 0
    assert board.driver.title == "Handoff wallboard"
    assert len(board.decisions()) <= 50

    assert board.severe() == []
    shot = tmp_path / "wallboard.png"
    assert board.driver.save_screenshot(str(shot))
    keep_dir = Path(os.environ.get("HANDOFF_SCREENSHOT_DIR", tempfile.gettempdir()))
    keep_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, keep_dir / "handoff-wallboard-screenshot.png")
    print(f"screenshot: {keep_dir / 'handoff-wallboard-screenshot.png'}")


def test_without_the_stats_endpoint_it_counts_from_the_events_and_resumes_after_a_restart(
    browser: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    target = "tests.service.test_wallboard:app_without_stats"
    server = app_server(target, url, tmp_path / "server.log", **FAST).start()
    try:
        assert httpx.get(server.url + "/v1/stats", headers=HEADERS).status_code == 404
        board = Board(browser, server, _read_key(url))
        request.addfinalizer(board.close)
        board.open_and_sign_in()
        assert board.http.post("/v1/agents", json=agent_body("bo", channels={"chat": 1})).status_code == 201
        created = board.escalate("e1")
        board.decision("e1", "escalation.offered")
        assert (
            board.http.post(f"/v1/offers/{quote(created['decision']['offer_id'])}/accept").status_code == 200
        )
        board.decision("e1", "escalation.assigned")
        until(lambda: board.text("t-service-level").startswith("100 %"), 1.0, "service level from events")
        assert "Statistics endpoint unavailable" in board.text("sl-source")
        board.escalate("e2")
        board.decision("e2", "escalation.queued")
        until(lambda: board.text("t-waiting") == "1", 1.0, "waiting from /v1/queues")
        until(lambda: "bo" in board.text("agents"), 1.0, "agents from /v1/agents")
        assert board.severe("/v1/stats") == []  # its 404 is the only error: asked once, not again

        # the service goes away; events are committed meanwhile (by another instance of the same
        # database); the page comes back to the same address and gets them (Last-Event-ID)
        server.stop()
        until(lambda: board.state() == "reconnecting", 5, "the page says it is reconnecting")
        other = app_server(target, url, tmp_path / "other.log", **FAST).start()
        try:
            with httpx.Client(base_url=other.url, headers=HEADERS, timeout=10) as http:
                now = datetime.now(UTC).isoformat()
                r = http.post(
                    "/v1/escalations",
                    json=escalation_body("e3", created_at=now),
                    headers={"Idempotency-Key": "e3"},
                )
                assert r.status_code == 201, r.text
        finally:
            other.stop()
        server.start()
        until(lambda: board.state() == "live", 20, "the page reconnected")
        board.decision("e3", "escalation.queued", timeout_s=2.0)  # missed while away, resumed
        ids = [r["escalation"] for r in board.decisions()]
        assert ids.count("e3") == 1
        assert len(ids) == len(set(board.js(
            "return Array.from(document.querySelectorAll('#decisions tbody tr')).map(r => r.dataset.eventId)"
        )))  # fmt: skip
        assert board.severe("/v1/stats", "ERR_CONNECTION_REFUSED", "ERR_EMPTY_RESPONSE") == []
    finally:
        server.stop()
