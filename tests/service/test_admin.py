"""Administration: tenants and API keys over ``/v1/admin`` (scope ``admin``) and through
``handoff tenants`` / ``handoff keys``; rotation with two valid keys; revoked and expired keys are
refused at once, by every instance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from reports.cli import app as cli
from routing.service import tenants
from routing.service.clock import ManualClock
from routing.service.storage import repository
from routing.service.storage.models import ApiKey, AuditEvent
from tests.service.conftest import T0, Api, agent_body, escalation_body, make_api

ADMIN_ROUTES = [
    ("GET", "/v1/admin/tenants", None),
    ("POST", "/v1/admin/tenants", {"id": "initech"}),
    ("GET", "/v1/admin/tenants/acme", None),
    ("GET", "/v1/admin/tenants/acme/keys", None),
    ("POST", "/v1/admin/tenants/acme/keys", {}),
    ("DELETE", "/v1/admin/tenants/acme/keys/key_0123456789abcdef", None),
]


@pytest.fixture
def admin(api: Api) -> str:
    """An admin key (scope ``admin`` only), belonging to acme."""
    return tenants.provision(api.service.db, "acme", scopes=["admin"], now_s=T0)


def call(api: Api, method: str, path: str, key: str | None, body: Any = None) -> Any:
    headers = {} if key is None else api.h(key)
    return api.client.request(method, path, json=body, headers=headers)


def new_key(api: Api, admin: str, tenant: str = "acme", **body: Any) -> dict[str, Any]:
    r = api.post(f"/v1/admin/tenants/{tenant}/keys", body, admin)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def key_id_of(api_key: str) -> str:
    return repository.key_id(repository.hash_key(api_key))


def revoke(api: Api, admin: str, key_id: str, tenant: str = "acme") -> Any:
    return api.client.delete(f"/v1/admin/tenants/{tenant}/keys/{key_id}", headers=api.h(admin))


# ------------------------------------------------------------------------------------ scopes
@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_an_ordinary_key_gets_403_and_no_key_401(api: Api, method: str, path: str, body: Any) -> None:
    r = call(api, method, path, api.key, body)  # every tenant scope, but not admin
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"
    assert "'admin'" in r.json()["detail"]
    assert call(api, method, path, None, body).status_code == 401
    assert call(api, method, path, "hk_nobody", body).status_code == 401


def test_an_admin_key_reaches_no_tenant_data(api: Api, admin: str) -> None:
    """Admin is about tenants and keys only: routing data takes the other scopes."""
    api.post("/v1/agents", agent_body("ana"))
    assert api.get("/v1/agents/ana", admin).status_code == 403
    assert api.post("/v1/agents", agent_body("bob"), admin).status_code == 403


# ------------------------------------------------------------------------------------ tenants, keys
def test_admin_creates_a_tenant_and_a_key_that_works_for_it_alone(api: Api, admin: str) -> None:
    r = api.post("/v1/admin/tenants", {"id": "initech", "name": "Initech"}, admin)
    assert r.status_code == 201
    assert r.json()["id"] == "initech"
    assert r.json()["active_keys"] == 0
    assert api.post("/v1/admin/tenants", {"id": "initech"}, admin).status_code == 409
    created = new_key(api, admin, "initech", scopes=["read", "agents:write"], name="desk")
    assert created["scopes"] == ["read", "agents:write"]
    assert created["status"] == "active"
    assert created["id"].startswith("key_")
    key = created["api_key"]
    assert api.post("/v1/agents", agent_body("ana"), key).status_code == 201
    assert [a["id"] for a in api.get("/v1/agents", key).json()] == ["ana"]
    r = api.post("/v1/escalations", escalation_body("e1"), key, **{"Idempotency-Key": "k"})
    assert r.status_code == 403  # not a scope of this key
    api.post("/v1/agents", agent_body("bob"))  # acme's bob
    assert api.get("/v1/agents/bob", key).status_code == 404  # never another tenant's data
    assert [a["id"] for a in api.get("/v1/agents").json()] == ["bob"]
    listed = api.get("/v1/admin/tenants/initech/keys", admin).json()
    assert [k["id"] for k in listed] == [created["id"]]
    assert "api_key" not in listed[0]  # the secret is shown once
    with api.service.db.read() as s:
        assert key not in s.scalars(select(ApiKey.key_hash)).all()
    ids = [t["id"] for t in api.get("/v1/admin/tenants", admin).json()]
    assert {"acme", "globex", "initech"} <= set(ids)
    assert api.get("/v1/admin/tenants/initech", admin).json()["active_keys"] == 1


def test_rotation_two_keys_valid_at_once_then_the_old_one_revoked(api: Api, admin: str) -> None:
    old = new_key(api, admin, name="ai-platform 2026-01")
    new = new_key(api, admin, name="ai-platform 2026-02")
    for key in (old["api_key"], new["api_key"]):  # both work while clients move over
        assert api.get("/v1/queues", key).status_code == 200
    r = revoke(api, admin, old["id"])
    assert r.status_code == 200
    assert r.json()["status"] == "revoked"
    revoked_at = r.json()["revoked_at"]
    assert api.get("/v1/queues", old["api_key"]).status_code == 401  # at once: nothing cached
    assert api.get("/v1/queues", new["api_key"]).status_code == 200
    api.clock.advance(5)
    again = revoke(api, admin, old["id"])
    assert again.status_code == 200
    assert again.json()["revoked_at"] == revoked_at  # revoking twice changes nothing
    statuses = {k["id"]: k["status"] for k in api.get("/v1/admin/tenants/acme/keys", admin).json()}
    assert statuses[old["id"]] == "revoked"
    assert statuses[new["id"]] == "active"


def test_an_admin_key_can_be_rotated_by_its_successor(api: Api, admin: str) -> None:
    successor = new_key(api, admin, scopes=["admin"])["api_key"]
    assert revoke(api, successor, key_id_of(admin)).status_code == 200
    assert api.get("/v1/admin/tenants", admin).status_code == 401
    assert api.get("/v1/admin/tenants", successor).status_code == 200


def test_an_expired_key_is_401(api: Api, admin: str) -> None:
    created = new_key(api, admin, expires_at=T0 + 60)
    assert created["expires_at"] == "2026-01-01T09:01:00.000Z"
    assert api.get("/v1/queues", created["api_key"]).status_code == 200
    api.clock.advance(60)
    r = api.get("/v1/queues", created["api_key"])
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]
    listed = {k["id"]: k for k in api.get("/v1/admin/tenants/acme/keys", admin).json()}
    assert listed[created["id"]]["status"] == "expired"


def test_a_revoked_key_is_refused_by_another_instance_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    clock = ManualClock(T0)
    first, second = make_api(url, clock), make_api(url, clock)
    a, b = next(first), next(second)
    admin = tenants.provision(a.service.db, "acme", scopes=["admin"], now_s=T0)
    created = new_key(a, admin)
    assert b.get("/v1/queues", created["api_key"]).status_code == 200  # b has seen the key
    assert revoke(a, admin, created["id"]).status_code == 200
    assert b.get("/v1/queues", created["api_key"]).status_code == 401
    first.close()
    second.close()


def test_key_and_tenant_changes_are_in_the_tenant_audit_trail(api: Api, admin: str) -> None:
    created = new_key(api, admin, name="desk")
    revoke(api, admin, created["id"])
    with api.service.db.read() as s:
        rows = s.scalars(
            select(AuditEvent).where(AuditEvent.kind.in_(("api_key_created", "api_key_revoked")))
        ).all()
        entries = [(r.tenant_id, r.kind, r.detail["key_id"], r.detail["by"]) for r in rows]
    admin_id = key_id_of(admin)
    assert entries == [
        ("acme", "api_key_created", created["id"], f"key:{admin_id}"),
        ("acme", "api_key_revoked", created["id"], f"key:{admin_id}"),
    ]
    assert created["api_key"] not in json.dumps([r for r in entries])


# ------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/admin/tenants", {"id": "has space"}, "body.id"),
        ("/v1/admin/tenants", {"id": "x" * 65}, "body.id"),
        ("/v1/admin/tenants", {"id": "ok", "name": "n" * 201}, "body.name"),
        ("/v1/admin/tenants", {"id": "ok", "plan": "gold"}, "body.plan"),
        ("/v1/admin/tenants/acme/keys", {"scopes": ["root"]}, "body.scopes[0]"),
        ("/v1/admin/tenants/acme/keys", {"scopes": []}, "body.scopes"),
        ("/v1/admin/tenants/acme/keys", {"scopes": ["read", "read"]}, "body.scopes"),
        ("/v1/admin/tenants/acme/keys", {"expires_at": T0 - 1}, "body.expires_at"),
        ("/v1/admin/tenants/acme/keys", {"expires_at": "tomorrow"}, "body.expires_at"),
        ("/v1/admin/tenants/acme/keys", {"name": "a\x00b"}, "body"),
    ],
)
def test_bad_input_is_422_naming_the_field(api: Api, admin: str, path: str, body: Any, field: str) -> None:
    r = api.post(path, body, admin)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json()["errors"]]


def test_unknown_ids_are_404_and_malformed_ones_422(api: Api, admin: str) -> None:
    assert api.get("/v1/admin/tenants/initech", admin).status_code == 404
    assert api.get("/v1/admin/tenants/initech/keys", admin).status_code == 404
    assert api.post("/v1/admin/tenants/initech/keys", {}, admin).status_code == 404
    assert revoke(api, admin, "key_0123456789abcdef").status_code == 404
    other = new_key(api, admin, "globex")
    assert revoke(api, admin, other["id"], tenant="acme").status_code == 404  # not acme's key
    r = revoke(api, admin, "not-a-key-id")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "path.key_id"


# ------------------------------------------------------------------------------------ the CLI
@pytest.fixture
def handoff(api: Api) -> Any:
    """``handoff ...`` against the database of the running app (as another process would)."""
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> Any:
        result = runner.invoke(cli, [*args, "--database-url", api.service.db.url])
        assert result.exit_code == code, result.output
        return result

    return run


def test_cli_creates_lists_and_revokes_and_the_api_follows_at_once(api: Api, handoff: Any) -> None:
    out = handoff("tenants", "create", "initech", "--name", "Initech").stdout
    assert "created tenant 'initech'" in out
    tenants_json = json.loads(handoff("tenants", "list", "--json").stdout)
    assert {"id": "initech", "name": "Initech"}.items() <= next(
        t for t in tenants_json if t["id"] == "initech"
    ).items()
    created = json.loads(
        handoff("keys", "create", "initech", "--scope", "read", "-s", "agents:write", "--json").stdout
    )
    assert created["scopes"] == ["read", "agents:write"]
    key = created["api_key"]
    assert api.get("/v1/agents", key).status_code == 200
    table = handoff("keys", "list", "initech").stdout
    assert created["id"] in table
    assert key not in table
    listed = json.loads(handoff("keys", "list", "--json").stdout)
    assert {k["tenant_id"] for k in listed} >= {"acme", "globex", "initech"}
    assert "revoked" in handoff("keys", "revoke", created["id"]).stdout
    assert api.get("/v1/agents", key).status_code == 401
    assert json.loads(handoff("keys", "revoke", created["id"], "--json").stdout)["status"] == "revoked"


def test_cli_prints_the_secret_once_and_a_first_admin_key_works(api: Api, handoff: Any) -> None:
    out = handoff("keys", "create", "acme", "--scope", "admin", "--name", "operator").stdout
    assert "shown once" in out
    secret = next(line for line in out.splitlines() if line.startswith("hk_"))
    assert api.get("/v1/admin/tenants", secret).status_code == 200
    with api.service.db.read() as s:
        row = s.scalars(select(AuditEvent).where(AuditEvent.kind == "api_key_created")).one()
        assert row.detail["by"].startswith("cli")


def test_cli_key_expiry(api: Api, handoff: Any) -> None:
    created = json.loads(handoff("keys", "create", "acme", "--expires-in-days", "1", "--json").stdout)
    assert created["expires_at"] is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("tenants", "create", "has space"), "id: String should match pattern"),
        (("tenants", "create", "acme"), "tenant 'acme' already exists"),
        (("keys", "create", "nobody"), "unknown tenant 'nobody'"),
        (("keys", "create", "acme", "--scope", "root"), "scopes[0]"),
        (("keys", "create", "acme", "--expires-in-days", "0"), "--expires-in-days must be a number > 0"),
        (("keys", "list", "nobody"), "unknown tenant 'nobody'"),
        (("keys", "revoke", "key_0123456789abcdef"), "unknown API key"),
    ],
)
def test_cli_bad_arguments_exit_2_naming_them(handoff: Any, args: tuple[str, ...], message: str) -> None:
    result = handoff(*args, code=2)
    assert message in " ".join(result.stderr.split())


def test_cli_without_a_reachable_database_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["tenants", "list", "--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/none"]
    )
    assert result.exit_code == 2
    assert "cannot open the database" in result.stderr
    result = CliRunner().invoke(cli, ["tenants", "list", "--database-url", "not a url"])
    assert result.exit_code == 2
    assert "is not a database URL" in result.stderr


# ------------------------------------------------------------------------------------ migration
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_keys_stored_before_migration_0004_keep_working(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from routing.service.storage.database import MIGRATIONS, Database

    url = f"sqlite:///{tmp_path / 'h.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    db = Database(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
        conn.execute(text("INSERT INTO tenants VALUES ('acme', 'acme', 0, NULL, 1.0)"))
        conn.execute(
            text("INSERT INTO api_keys VALUES (:h, 'acme', 'read', 1.0)"),
            {"h": repository.hash_key("hk_from_before")},
        )
    db.migrate()
    with db.read() as s:
        grant = repository.find_key(s, "hk_from_before", T0)
    assert grant is not None
    assert grant.key_id == key_id_of("hk_from_before")
    assert (grant.tenant_id, grant.scopes) == ("acme", frozenset({"read"}))
    db.dispose()


def test_cli_issues_an_agent_desktop_key(api: Api, handoff: Any) -> None:
    api.post("/v1/agents", agent_body("ana"))
    out = handoff("keys", "create", "acme", "--agent", "ana").stdout
    assert "agent for agent 'ana'" in out
    secret = next(line for line in out.splitlines() if line.startswith("hk_"))
    assert api.get("/v1/agents/ana/offers", secret).status_code == 200
    assert api.get("/v1/agents/bob/offers", secret).status_code == 403
    failed = handoff("keys", "create", "acme", "--agent", "nobody", code=2)
    assert "agent_id" in failed.output
