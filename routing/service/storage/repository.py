"""Queries and row conversions. Every function takes the session and the tenant it acts for: no
query here ever reads or writes another tenant's rows."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    JSON,
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session, defer
from sqlalchemy.sql.elements import ClauseElement

from routing import offer_ids
from routing.decisions import Decision, decision_as_dict
from routing.domain import AgentStatus, EscalationState
from routing.service.storage.models import (
    AgentRow,
    ApiKey,
    AuditEvent,
    EscalationRow,
    IdempotencyKey,
    Tenant,
)
from routing.service.storage.raw import RawRead, RawWrite
from routing.snapshots import AgentSnapshot, EscalationSnapshot

# the tables behind the models, for Core statements on the hot path
TENANTS = cast(Table, Tenant.__table__)
AGENTS = cast(Table, AgentRow.__table__)
ESCALATIONS = cast(Table, EscalationRow.__table__)
AUDIT = cast(Table, AuditEvent.__table__)
IDEMPOTENCY = cast(Table, IdempotencyKey.__table__)
API_KEYS = cast(Table, ApiKey.__table__)

# hot-path statements built once (bind parameters only): saves building and hashing them per call
_BUMP_VERSION = (
    update(TENANTS)
    .where(TENANTS.c.id == bindparam("t"))
    .values(version=bindparam("version"), next_wakeup_s=bindparam("wake"))
)
_UPDATE_AGENT = (
    update(AGENTS)
    .where(AGENTS.c.tenant_id == bindparam("t"), AGENTS.c.id == bindparam("a"))
    .values(
        status=bindparam("status"),
        missed_offers=bindparam("missed"),
        idle_since_s=bindparam("idle"),
        done_ewma=bindparam("ewma"),
        done_at_s=bindparam("done_at"),
        updated_s=bindparam("now"),
    )
)
_RAW_BUMP_VERSION = RawWrite(TENANTS, _BUMP_VERSION)
_RAW_UPDATE_AGENT = RawWrite(AGENTS, _UPDATE_AGENT)
_INSERT_ESCALATION = RawWrite(ESCALATIONS, ESCALATIONS.insert())
_INSERT_AUDIT = RawWrite(AUDIT, AUDIT.insert())
_INSERT_IDEMPOTENCY = RawWrite(IDEMPOTENCY, IDEMPOTENCY.insert())
_ESCALATION_EXISTS = select(ESCALATIONS.c.id).where(
    ESCALATIONS.c.tenant_id == bindparam("t"), ESCALATIONS.c.id == bindparam("e")
)
_IDEMPOTENCY = select(
    IDEMPOTENCY.c.fingerprint, IDEMPOTENCY.c.status_code, IDEMPOTENCY.c.response, IDEMPOTENCY.c.created_s
).where(IDEMPOTENCY.c.tenant_id == bindparam("t"), IDEMPOTENCY.c.key == bindparam("k"))
#: a create's two look-ups in one statement (one round trip): the key's record, if any (a LEFT JOIN
#: on a one-row table), and whether the escalation id is stored already
_ONE_ROW = select(literal_column("1").label("one")).subquery()  # no bind: a RawRead passes only its own
_CREATE_LOOKUP = select(
    exists()
    .where(ESCALATIONS.c.tenant_id == bindparam("t"), ESCALATIONS.c.id == bindparam("e"))
    .label("duplicate"),
    IDEMPOTENCY.c.fingerprint,
    IDEMPOTENCY.c.status_code,
    IDEMPOTENCY.c.response,
    IDEMPOTENCY.c.created_s,
).select_from(
    _ONE_ROW.outerjoin(
        IDEMPOTENCY, and_(IDEMPOTENCY.c.tenant_id == bindparam("t"), IDEMPOTENCY.c.key == bindparam("k"))
    )
)
_RAW_CREATE_LOOKUP = RawRead(_CREATE_LOOKUP)  # with the held writes: one round trip
_DELETE_IDEMPOTENCY = delete(IDEMPOTENCY).where(
    IDEMPOTENCY.c.tenant_id == bindparam("t"), IDEMPOTENCY.c.key == bindparam("k")
)
_KEY_GRANT = select(
    API_KEYS.c.id,
    API_KEYS.c.tenant_id,
    API_KEYS.c.scopes,
    API_KEYS.c.expires_s,
    API_KEYS.c.revoked_s,
    API_KEYS.c.agent_id,
).where(API_KEYS.c.key_hash == bindparam("h"))
_RAW_KEY_GRANT = RawRead(_KEY_GRANT)

ACTIVE_STATES = (EscalationState.QUEUED.value, EscalationState.OFFERED.value, EscalationState.ASSIGNED.value)


# ------------------------------------------------------------------------------------ tenants, keys
def hash_key(api_key: str) -> str:
    """SHA-256 hex of an API key: what is stored and looked up (never the key itself)."""
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_api_key() -> str:
    """A fresh random key: ``hk_`` + 256 bits, URL-safe."""
    return "hk_" + secrets.token_urlsafe(32)


def ensure_tenant(session: Session, tenant_id: str, name: str, now_s: float) -> None:
    if session.get(Tenant, tenant_id) is None:
        session.add(Tenant(id=tenant_id, name=name, version=0, next_wakeup_s=None, created_s=now_s))
        session.flush()


def key_id(key_hash: str) -> str:
    """The public id of a key: ``key_`` + the first 16 hex digits of its SHA-256 (safe to show:
    the hash of a 256-bit random key gives nothing away)."""
    return "key_" + key_hash[:16]


def add_api_key(
    session: Session,
    tenant_id: str,
    api_key: str,
    scopes: Iterable[str],
    now_s: float,
    *,
    name: str = "",
    expires_s: float | None = None,
    agent_id: str | None = None,
) -> str:
    """Register ``api_key`` (its hash) for the tenant unless it is registered already (then
    nothing changes: a revoked key stays revoked). Returns the key's id. ``agent_id``: the key
    acts for this agent only."""
    key_hash = hash_key(api_key)
    if session.get(ApiKey, key_hash) is None:
        session.add(
            ApiKey(
                key_hash=key_hash,
                id=key_id(key_hash),
                tenant_id=tenant_id,
                name=name,
                scopes=" ".join(scopes),
                created_s=now_s,
                expires_s=expires_s,
                revoked_s=None,
                agent_id=agent_id,
            )
        )
        session.flush()
    return key_id(key_hash)


class KeyGrant(NamedTuple):
    """What a valid API key lets its caller do."""

    key_id: str
    tenant_id: str
    scopes: frozenset[str]
    agent_id: str | None = None  # a desktop key: acts for this agent only


def find_key(session: Session | Connection, api_key: str, now_s: float) -> KeyGrant | None:
    """The grant of ``api_key`` if it authenticates at ``now_s``: issued, not revoked, not expired.
    One primary-key read, on a session or a connection (:meth:`Database.lookup`)."""
    row: Sequence[Any] | None
    if isinstance(session, Session):
        row = session.connection().execute(_KEY_GRANT, {"h": hash_key(api_key)}).first()
    else:  # a lookup connection: the read of every request, through the driver directly
        row = _RAW_KEY_GRANT.first(session, {"h": hash_key(api_key)})
    if row is None:
        return None
    key_id, tenant_id, scopes, expires_s, revoked_s, agent_id = row
    if revoked_s is not None or (expires_s is not None and expires_s <= now_s):
        return None
    return KeyGrant(key_id, tenant_id, frozenset(scopes.split()), agent_id)


def bump_version(session: Session, tenant_id: str, version: int, next_wakeup_s: float | None) -> None:
    _RAW_BUMP_VERSION.execute(session, [{"t": tenant_id, "version": version, "wake": next_wakeup_s}])


def customer_salt(session: Session, tenant_id: str) -> bytes:
    """The tenant's secret for hashing customer ids (256 random bits), made and stored the first
    time it is asked for. Call it under the tenant's lock (inside its event), so two instances
    never make two."""
    t = TENANTS
    salt = session.connection().execute(select(t.c.customer_salt).where(t.c.id == tenant_id)).scalar()
    if salt is None:
        salt = secrets.token_hex(32)
        session.connection().execute(update(t).where(t.c.id == tenant_id).values(customer_salt=salt))
    return bytes.fromhex(salt)


def customer_ref(salt: bytes, customer_id: str) -> str:
    """The stable reference of a raw customer id: ``c_`` + the first 128 bits of its HMAC-SHA256
    under the tenant's ``salt``, in hex. The id cannot be read back from it, nor guessed from
    another tenant's references."""
    return "c_" + hmac.new(salt, customer_id.encode(), hashlib.sha256).hexdigest()[:32]


def tenants_due(session: Session, now_s: float) -> list[str]:
    """Tenants whose dispatcher has something to do at ``now_s`` (offer expiry, relaxation, ...)."""
    return list(session.scalars(select(Tenant.id).where(Tenant.next_wakeup_s <= now_s)))


def earliest_wakeup_s(session: Session) -> float | None:
    """The earliest time any tenant's dispatcher has something to do (``None``: none has)."""
    return session.scalar(select(func.min(Tenant.next_wakeup_s)))


# ------------------------------------------------------------------------------------ agents
def agents(session: Session, tenant_id: str) -> Sequence[AgentRow]:
    return session.scalars(
        select(AgentRow).where(AgentRow.tenant_id == tenant_id).order_by(AgentRow.seq)
    ).all()


def agent(session: Session, tenant_id: str, agent_id: str) -> AgentRow | None:
    return session.get(AgentRow, (tenant_id, agent_id))


def roster(session: Session, tenant_id: str) -> Sequence[AgentRow]:
    """The agents a rebuilt dispatcher holds, in creation order: the active ones, and a
    deactivated one until its last assigned escalation is completed."""
    e = EscalationRow
    holds_work = (
        select(e.id)
        .where(
            e.tenant_id == AgentRow.tenant_id,
            e.agent_id == AgentRow.id,
            e.state == EscalationState.ASSIGNED.value,
        )
        .exists()
    )
    return session.scalars(
        select(AgentRow)
        .where(AgentRow.tenant_id == tenant_id, or_(AgentRow.deactivated_s.is_(None), holds_work))
        .order_by(AgentRow.seq)
    ).all()


def assigned_count(session: Session, tenant_id: str, agent_id: str) -> int:
    """How many escalations the agent has accepted and not completed (as stored)."""
    e = EscalationRow
    count = session.scalar(
        select(func.count())
        .select_from(e)
        .where(e.tenant_id == tenant_id, e.agent_id == agent_id, e.state == EscalationState.ASSIGNED.value)
    )
    return int(count or 0)


def next_agent_seq(session: Session, tenant_id: str) -> int:
    top = session.scalar(select(func.max(AgentRow.seq)).where(AgentRow.tenant_id == tenant_id))
    return 0 if top is None else top + 1


_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def stored_profile(row: AgentRow) -> dict[str, Any]:
    """The agent's stored profile as the API reads it. Profiles stored before shift days were
    written as names hold day numbers (0 = Monday); those are read as names."""
    profile = dict(row.profile)
    shifts = profile.get("shifts")
    if isinstance(shifts, list):
        profile["shifts"] = [
            {**shift, "days": [_DAY_NAMES[d] if isinstance(d, int) else d for d in shift["days"]]}
            if isinstance(shift, dict) and isinstance(shift.get("days"), list)
            else shift
            for shift in shifts
        ]
    return profile


def agent_snapshot(row: AgentRow) -> AgentSnapshot:
    return AgentSnapshot(
        status=AgentStatus(row.status),
        missed_offers=row.missed_offers,
        idle_since_s=row.idle_since_s,
        done_ewma=row.done_ewma,
        done_at_s=row.done_at_s,
    )


def update_agent(session: Session, tenant_id: str, agent_id: str, snap: AgentSnapshot, now_s: float) -> None:
    """Store an agent's live routing state (one UPDATE; no-op for an id not stored)."""
    params = {
        "t": tenant_id,
        "a": agent_id,
        "status": snap.status.value,
        "missed": snap.missed_offers,
        "idle": snap.idle_since_s,
        "ewma": snap.done_ewma,
        "done_at": snap.done_at_s,
        "now": now_s,
    }
    _RAW_UPDATE_AGENT.execute(session, [params])


# ------------------------------------------------------------------------------------ escalations
def escalation(session: Session, tenant_id: str, escalation_id: str) -> EscalationRow | None:
    return session.get(EscalationRow, (tenant_id, escalation_id))


#: what a rebuild never reads: the context packets (the bulk of a row) and outcomes; a deferred
#: column is loaded on first access
_NOT_ROUTED = (defer(EscalationRow.context), defer(EscalationRow.outcome))


def active_escalations(session: Session, tenant_id: str) -> Sequence[EscalationRow]:
    """The tenant's queued, offered and assigned escalations in arrival order, as a rebuild reads
    them: without their context packets and outcomes."""
    return session.scalars(
        select(EscalationRow)
        .options(*_NOT_ROUTED)
        .where(EscalationRow.tenant_id == tenant_id, EscalationRow.state.in_(ACTIVE_STATES))
        .order_by(EscalationRow.seq)
    ).all()


def escalation_exists(session: Session, tenant_id: str, escalation_id: str) -> bool:
    found = session.connection().execute(_ESCALATION_EXISTS, {"t": tenant_id, "e": escalation_id})
    return found.first() is not None


def escalation_values(snap: EscalationSnapshot) -> dict[str, Any]:
    """An escalation snapshot as column values."""
    return {
        "state": snap.state.value,
        "level": snap.level,
        "attempts": snap.attempts,
        "offered_to": list(snap.offered_to),
        # JSON has no infinity: a cool-down that never ends is stored as null
        "reoffer_at": [[agent, at_s if math.isfinite(at_s) else None] for agent, at_s in snap.reoffer_at_s],
        "agent_id": snap.agent_id,
        "offer_id": snap.offer_id,
        "offer_expires_at_s": snap.offer_expires_at_s,
        "transfers": snap.transfers,
        "transferred_from": list(snap.transferred_from),
        "expected_end_s": snap.expected_end_s,
    }


def insert_escalation(session: Session, values: dict[str, Any]) -> None:
    row = {
        "level": 0,
        "attempts": 0,
        "offered_to": [],
        "reoffer_at": [],
        "transferred_from": [],
        "event_seq": 0,
        "transfers": 0,
        **values,
    }
    _INSERT_ESCALATION.execute(session, [row])


def update_escalation(session: Session, tenant_id: str, escalation_id: str, values: dict[str, Any]) -> None:
    """Set ``values`` (column -> value) in one escalation's row (one UPDATE; no-op for an id not
    stored). The statement is built once per set of columns: a few shapes recur on every event;
    values that are SQL expressions (a wrap-up's length) go through SQLAlchemy as they are."""
    if any(isinstance(v, ClauseElement) for v in values.values()):
        t = ESCALATIONS
        where = (t.c.tenant_id == tenant_id, t.c.id == escalation_id)
        session.connection().execute(update(t).where(*where).values(**values))
        return
    write = _ESCALATION_UPDATES.get(tuple(values))
    if write is None:
        write = _ESCALATION_UPDATES.setdefault(tuple(values), _escalation_update(tuple(values)))
    params = {f"v_{k}": v for k, v in values.items()}
    params["w_t"], params["w_id"] = tenant_id, escalation_id
    write.execute(session, [params])


#: per set of columns (in the caller's order), the UPDATE of an escalation's row that sets them
_ESCALATION_UPDATES: dict[tuple[str, ...], RawWrite] = {}


def _escalation_update(columns: tuple[str, ...]) -> RawWrite:
    t = ESCALATIONS
    statement = (
        update(t)
        .where(t.c.tenant_id == bindparam("w_t"), t.c.id == bindparam("w_id"))
        .values({c: bindparam(f"v_{c}") for c in columns})
    )
    json_columns = {c.key for c in t.columns if isinstance(c.type, JSON)}
    return RawWrite(t, statement, frozenset(f"v_{c}" for c in columns if c in json_columns))


def escalation_snapshot(row: EscalationRow) -> EscalationSnapshot:
    return EscalationSnapshot(
        state=EscalationState(row.state),
        level=row.level,
        attempts=row.attempts,
        offered_to=tuple(row.offered_to),
        reoffer_at_s=tuple(
            (str(agent), math.inf if at_s is None else float(at_s)) for agent, at_s in row.reoffer_at or ()
        ),
        agent_id=row.agent_id,
        offer_id=row.offer_id,
        offer_expires_at_s=row.offer_expires_at_s,
        transfers=row.transfers or 0,
        transferred_from=tuple(row.transferred_from or ()),
        callback=row.callback is not None,
        assigned_at_s=row.assigned_s if row.state == EscalationState.ASSIGNED.value else None,
        expected_end_s=row.expected_end_s if row.state == EscalationState.ASSIGNED.value else None,
    )


def wrap_ups(session: Session, tenant_id: str) -> Sequence[EscalationRow]:
    """Completed escalations whose agent is still wrapping up (as stored), oldest first; without
    their context packets and outcomes."""
    e = EscalationRow
    return session.scalars(
        select(e)
        .options(*_NOT_ROUTED)
        .where(e.tenant_id == tenant_id, e.wrap_up_until_s.is_not(None))
        .order_by(e.seq)
    ).all()


# ------------------------------------------------------------------------------------ audit
def decision_detail(d: Decision) -> dict[str, Any]:
    """A decision as audit JSON; offer ids as the API shows them (:func:`routing.offer_ids.to_api`)."""
    detail = decision_as_dict(d)
    if detail.get("offer_id"):
        detail["offer_id"] = offer_ids.to_api(detail["offer_id"])
    return detail


def audit_many(
    session: Session,
    tenant_id: str,
    at_s: float,
    details: Sequence[dict[str, Any]],
    before: Sequence[dict[str, Any]] = (),
) -> None:
    """Append decisions (as :func:`decision_detail` dicts) in one statement, after the rows
    ``before`` (as :func:`audit_row` makes them), in that order."""
    if not details and not before:
        return
    rows = [*before] + [
        {
            "tenant_id": tenant_id,
            "at_s": at_s,
            "kind": detail["kind"],
            "escalation_id": detail.get("escalation_id"),
            "agent_id": detail.get("agent_id"),
            "offer_id": detail.get("offer_id"),
            "detail": detail,
        }
        for detail in details
    ]
    _INSERT_AUDIT.execute(session, rows)


def audit(
    session: Session,
    tenant_id: str,
    at_s: float,
    kind: str,
    detail: dict[str, Any],
    *,
    escalation_id: str | None = None,
    agent_id: str | None = None,
    offer_id: str | None = None,
) -> None:
    """Append one audit event (the table only ever grows)."""
    row = audit_row(tenant_id, at_s, kind, detail, escalation_id, agent_id, offer_id)
    _INSERT_AUDIT.execute(session, [row])


def audit_row(
    tenant_id: str,
    at_s: float,
    kind: str,
    detail: dict[str, Any],
    escalation_id: str | None = None,
    agent_id: str | None = None,
    offer_id: str | None = None,
) -> dict[str, Any]:
    """The values of one audit event, as :func:`audit` inserts it."""
    return {
        "tenant_id": tenant_id,
        "at_s": at_s,
        "kind": kind,
        "escalation_id": escalation_id,
        "agent_id": agent_id,
        "offer_id": offer_id,
        "detail": detail,
    }


def audit_trail(
    session: Session, tenant_id: str, escalation_id: str | None, after_seq: int, limit: int
) -> Sequence[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.tenant_id == tenant_id, AuditEvent.seq > after_seq)
    if escalation_id is not None:
        query = query.where(AuditEvent.escalation_id == escalation_id)
    return session.scalars(query.order_by(AuditEvent.seq).limit(limit)).all()


# ------------------------------------------------------------------------------------ idempotency
def idempotency_record(
    session: Session, tenant_id: str, key: str, expired_at_or_before_s: float = -math.inf
) -> tuple[str, int, str] | None:
    """(fingerprint, status code, response body as the JSON text answered) stored for the key, or
    None. A record stored at or before ``expired_at_or_before_s`` has expired: it is deleted (so
    the key can be stored anew) and None returned."""
    params = {"t": tenant_id, "k": key}
    row = session.connection().execute(_IDEMPOTENCY, params).first()
    if row is None:
        return None
    if row[3] <= expired_at_or_before_s:
        session.connection().execute(_DELETE_IDEMPOTENCY, params)
        return None
    return row[0], row[1], row[2]  # the very text first answered: the same bytes again


def create_lookup(
    session: Session, tenant_id: str, key: str, escalation_id: str, expired_at_or_before_s: float
) -> tuple[tuple[str, int, str] | None, bool]:
    """What a create looks up first, in one statement: (the key's record as
    :func:`idempotency_record` returns it -- an expired one deleted and None --, whether the
    tenant has an escalation ``escalation_id`` already)."""
    params = {"t": tenant_id, "k": key, "e": escalation_id}
    row = _RAW_CREATE_LOOKUP.first(session.connection(), params)
    assert row is not None, "a select from one row answers one row"
    duplicate = bool(row[0])
    if row[1] is None:
        return None, duplicate
    if row[4] <= expired_at_or_before_s:
        session.connection().execute(_DELETE_IDEMPOTENCY, {"t": tenant_id, "k": key})
        return None, duplicate
    return (row[1], row[2], row[3]), duplicate


def oldest_idempotency_s(session: Session) -> float | None:
    """When the oldest idempotency record of any tenant was stored (None: there is none)."""
    oldest = session.scalar(select(func.min(IDEMPOTENCY.c.created_s)))
    return None if oldest is None else float(oldest)


def purge_idempotency(session: Session, stored_at_or_before_s: float, limit: int) -> int:
    """Delete up to ``limit`` idempotency records, of any tenant, stored at or before
    ``stored_at_or_before_s``, oldest first; returns how many were deleted. Rows another
    transaction holds (another instance purging) are skipped (PostgreSQL)."""
    t = IDEMPOTENCY
    expired = session.execute(
        select(t.c.tenant_id, t.c.key)
        .where(t.c.created_s <= stored_at_or_before_s)
        .order_by(t.c.created_s)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not expired:
        return 0
    keys = [(row[0], row[1]) for row in expired]
    session.execute(delete(t).where(tuple_(t.c.tenant_id, t.c.key).in_(keys)))
    return len(keys)


def store_idempotency(
    session: Session,
    tenant_id: str,
    key: str,
    fingerprint: str,
    status_code: int,
    response: str,
    now_s: float,
) -> None:
    """Store the answer to the key's first request: ``response`` is the JSON text answered."""
    row = {
        "tenant_id": tenant_id,
        "key": key,
        "fingerprint": fingerprint,
        "status_code": status_code,
        "response": response,
        "created_s": now_s,
    }
    _INSERT_IDEMPOTENCY.execute(session, [row])


def wrap_up_ended_values(now_s: float) -> dict[str, Any]:
    """Column values of an escalation whose wrap-up ended at ``now_s``: no longer in progress, and
    ``wrap_up_s`` what it lasted (the planned length, less what was left of it)."""
    t = ESCALATIONS
    return {"wrap_up_until_s": None, "wrap_up_s": t.c.wrap_up_s - (t.c.wrap_up_until_s - now_s)}
