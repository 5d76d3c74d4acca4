// The supervisors' wallboard: queues, agents and the last decisions, live from the event stream.
//
// Authentication: a read-scoped API key, asked for in a form, kept in sessionStorage (this tab
// only, never in a URL) and sent as "Authorization: Bearer" with every request. EventSource cannot
// send headers, so the stream is read with fetch() + a ReadableStream and its id/event/data/retry
// lines are parsed here; on a drop it reconnects with Last-Event-ID (so no event is missed or
// seen twice), after a jittered exponential back-off. Every string from the server is put in the
// page with textContent, never as HTML.
"use strict";

(() => {
  const KEY_STORAGE = "handoff.wallboard.key";
  const STREAM_PATH = "v1/events/stream"; // relative: works behind a path prefix too
  const MAX_DECISIONS = 50;
  const REFRESH_EVERY_MS = 10000; // roster and queue changes that make no event (a new agent)
  const REFRESH_DEBOUNCE_MS = 100; // after an event: one refresh for a burst of events
  const STATS_ABSENT_RETRY_MS = 300000; // /v1/stats answered 404: ask again in 5 min
  const WATCHDOG_MS = 45000; // nothing heard (not even a heartbeat) for this long: reconnect
  const BACKOFF_MAX_MS = 30000;
  // the share within the threshold a queue should reach (green): /v1/stats says it
  // (HANDOFF_STATS__SERVICE_LEVEL_GOAL); 0.8 until it has answered, or where it is absent
  const DEFAULT_SERVICE_LEVEL_GOAL = 0.8;
  const STATUS_ORDER = ["available", "busy", "not_responding", "away", "offline"];
  const STATUS_LABEL = {
    available: "Available", busy: "Busy", not_responding: "Not responding", away: "Away",
    offline: "Offline", wrap_up: "Wrap-up",
  };
  const EVENT_LABEL = {
    "escalation.queued": "Queued",
    "escalation.offered": "Offered",
    "offer.declined": "Offer declined",
    "offer.expired": "Offer expired",
    "offer.revoked": "Offer withdrawn",
    "escalation.assigned": "Accepted",
    "escalation.relaxed": "Requirements relaxed",
    "escalation.deferred": "Deferred",
    "escalation.completed": "Completed",
    "escalation.abandoned": "Abandoned",
    "escalation.cancelled": "Cancelled",
    "escalation.handed_back": "Handed back to the AI",
    "escalation.transferred": "Transferred",
    "escalation.callback_requested": "Callback requested",
    "escalation.position_changed": "Moved in line",
    "agent.status_changed": "Agent status",
    "agent.wrap_up_ended": "Wrap-up ended",
    "subscription.disabled": "Webhook disabled",
  };

  const $ = (id) => document.getElementById(id);

  const state = {
    key: null,
    generation: 0, // bumped on sign-out: loops of an older generation stop
    controller: null,
    lastEventId: null,
    attempt: 0,
    retryMs: 1000, // the stream's "retry:" field
    reconnectTimer: null,
    thresholdS: 30,
    goal: DEFAULT_SERVICE_LEVEL_GOAL,
    stats: null, statsAt: 0, statsAbsentUntil: 0,
    queues: null, queuesAt: 0,
    agents: [],
    decisions: [],
    seen: new Set(), seenOrder: [],
    local: newLocal(),
  };

  function newLocal() {
    // What the page computes from the events it saw, for when /v1/stats does not answer.
    return {
      since: Date.now(), escalations: new Map(), offeredAt: new Map(),
      basis: 0, within: 0, accepted: 0, declined: 0, expired: 0, acceptSum: 0, acceptN: 0,
    };
  }

  // ------------------------------------------------------------------------------ formatting
  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function duration(s) {
    if (s === null || s === undefined || !Number.isFinite(s)) return "–";
    const total = Math.max(0, Math.floor(s));
    if (total < 60) return `${total} s`;
    if (total < 3600) return `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, "0")} s`;
    return `${Math.floor(total / 3600)} h ${String(Math.floor(total / 60) % 60).padStart(2, "0")} min`;
  }

  function percent(share) {
    return share === null || share === undefined ? "–" : `${Math.round(share * 100)} %`;
  }

  function clock(epochS) {
    return new Date(epochS * 1000).toLocaleTimeString([], { hour12: false });
  }

  function mark(node, good) {
    node.classList.remove("ok", "bad");
    if (good !== null) node.classList.add(good ? "ok" : "bad");
  }

  function setText(id, text, good = null) {
    const node = $(id);
    node.textContent = text;
    mark(node, good);
  }

  // ------------------------------------------------------------------------------ connection
  function setConnection(kind, text) {
    const node = $("connection");
    node.dataset.state = kind;
    node.textContent = text;
  }

  class AuthError extends Error {}

  async function authFailure(response) {
    if (response.status === 401) return new AuthError("The key was refused: unknown, revoked or expired.");
    return new AuthError("This key lacks the read scope.");
  }

  async function getJson(path, signal) {
    const response = await fetch(path, {
      headers: { Authorization: `Bearer ${state.key}`, Accept: "application/json" },
      cache: "no-store", credentials: "omit", signal,
    });
    if (response.status === 401 || response.status === 403) throw await authFailure(response);
    if (!response.ok) {
      const error = new Error(`${path}: HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  // ------------------------------------------------------------------------------ the stream
  function scheduleReconnect(gen, afterMs) {
    if (gen !== state.generation) return;
    state.attempt += 1;
    const base = Math.max(state.retryMs, 250);
    const capped = Math.min(BACKOFF_MAX_MS, base * 2 ** Math.min(state.attempt - 1, 10));
    const delay = afterMs ?? Math.round(capped / 2 + Math.random() * (capped / 2)); // jittered
    setConnection("reconnecting", `Reconnecting in ${Math.ceil(delay / 1000)} s (attempt ${state.attempt})`);
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = setTimeout(() => connect(gen), delay);
  }

  async function connect(gen) {
    if (gen !== state.generation) return;
    setConnection(state.attempt ? "reconnecting" : "connecting", state.attempt ? "Reconnecting…" : "Connecting…");
    const controller = new AbortController();
    state.controller = controller;
    const headers = { Authorization: `Bearer ${state.key}`, Accept: "text/event-stream" };
    if (state.lastEventId) headers["Last-Event-ID"] = state.lastEventId;
    let response;
    try {
      response = await fetch(STREAM_PATH, {
        headers, cache: "no-store", credentials: "omit", signal: controller.signal,
      });
    } catch (error) {
      scheduleReconnect(gen, null);
      return;
    }
    if (gen !== state.generation) {
      controller.abort();
      return;
    }
    if (response.status === 401 || response.status === 403) {
      signOut((await authFailure(response)).message);
      return;
    }
    if (response.status === 422 && state.lastEventId) {
      // the service no longer knows the last event (a new database): start from now
      state.lastEventId = null;
      scheduleReconnect(gen, 0);
      return;
    }
    if (!response.ok || !response.body) {
      const retryAfterS = Number(response.headers.get("Retry-After"));
      scheduleReconnect(gen, retryAfterS > 0 ? retryAfterS * 1000 : null);
      return;
    }
    state.attempt = 0;
    setConnection("live", "Live");
    refreshSoon(0); // what changed while the stream was down
    let heardAt = performance.now();
    const watchdog = setInterval(() => {
      if (performance.now() - heardAt > WATCHDOG_MS) controller.abort();
    }, 1000);
    try {
      await readStream(response.body, gen, () => { heardAt = performance.now(); });
    } catch (error) {
      // aborted (watchdog, sign-out) or the connection dropped: reconnect below
    } finally {
      clearInterval(watchdog);
    }
    if (gen === state.generation) scheduleReconnect(gen, null);
  }

  // Server-Sent Events, as the HTML standard parses them: lines end with CRLF, LF or CR; a blank
  // line dispatches the message; "field: value" (one optional space); ":" starts a comment.
  async function readStream(body, gen, heard) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let message = { id: null, event: "", data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (gen !== state.generation) {
        await reader.cancel();
        return;
      }
      heard();
      buffer += value;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop(); // the line not yet ended
      for (const line of lines) {
        if (line === "") {
          if (message.data.length) dispatch(message);
          message = { id: null, event: "", data: [] };
          continue;
        }
        if (line.startsWith(":")) continue; // a comment: the heartbeat
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let fieldValue = colon < 0 ? "" : line.slice(colon + 1);
        if (fieldValue.startsWith(" ")) fieldValue = fieldValue.slice(1);
        if (field === "data") message.data.push(fieldValue);
        else if (field === "event") message.event = fieldValue;
        else if (field === "id" && !fieldValue.includes("\0")) message.id = fieldValue;
        else if (field === "retry" && /^\d+$/.test(fieldValue)) state.retryMs = Number(fieldValue);
      }
    }
  }

  function dispatch(message) {
    let event;
    try {
      event = JSON.parse(message.data.join("\n"));
    } catch (error) {
      return; // not an event of ours
    }
    if (message.id) state.lastEventId = message.id;
    if (!event || typeof event !== "object" || state.seen.has(event.id)) return;
    state.seen.add(event.id);
    state.seenOrder.push(event.id);
    if (state.seenOrder.length > 1000) state.seen.delete(state.seenOrder.shift());
    track(event);
    state.decisions.unshift(event);
    state.decisions.length = Math.min(state.decisions.length, MAX_DECISIONS);
    renderDecisions();
    refreshSoon(REFRESH_DEBOUNCE_MS);
  }

  // ------------------------------------------------------------------------------ the fallback
  // The service level of the escalations seen since the page opened, counted as /v1/stats counts
  // it: accepted within the threshold, of those accepted, deferred, or waiting past it.
  function localEscalation(id) {
    let e = state.local.escalations.get(id);
    if (!e) {
      e = { createdS: null, counted: false, open: true };
      state.local.escalations.set(id, e);
    }
    return e;
  }

  function settle(e, within) {
    if (!e.counted) {
      e.counted = true;
      state.local.basis += 1;
      if (within) state.local.within += 1;
    }
    e.open = false;
  }

  function track(event) {
    const local = state.local;
    const data = event.data || {};
    if (!event.escalation_id) return;
    const e = localEscalation(event.escalation_id);
    if (event.sequence === 1 && typeof event.occurred_at_s === "number") e.createdS = event.occurred_at_s;
    switch (event.type) {
      case "escalation.offered":
        local.offeredAt.set(data.offer_id, event.occurred_at_s);
        break;
      case "escalation.assigned": {
        local.accepted += 1;
        const offeredS = local.offeredAt.get(data.offer_id);
        if (offeredS !== undefined) {
          local.acceptSum += event.occurred_at_s - offeredS;
          local.acceptN += 1;
          local.offeredAt.delete(data.offer_id);
        }
        settle(e, typeof data.handoff_s === "number" && data.handoff_s <= state.thresholdS);
        break;
      }
      case "offer.declined": local.declined += 1; break;
      case "offer.expired": local.expired += 1; break;
      case "escalation.deferred": settle(e, false); break;
      case "escalation.abandoned":
      case "escalation.cancelled":
      case "escalation.completed":
      case "escalation.handed_back":
        if (!e.counted && e.createdS !== null && event.occurred_at_s - e.createdS > state.thresholdS) {
          settle(e, false);
        }
        e.open = false;
        break;
      default:
        break;
    }
  }

  function settleOverdue() {
    const nowS = Date.now() / 1000;
    for (const e of state.local.escalations.values()) {
      if (e.open && !e.counted && e.createdS !== null && nowS - e.createdS > state.thresholdS) {
        e.counted = true; // waited past the threshold: outside it, whatever comes next
        state.local.basis += 1;
      }
    }
  }

  // ------------------------------------------------------------------------------ refreshing
  let refreshTimer = null;
  let refreshing = false;
  let refreshAgain = false;

  function refreshSoon(delayMs) {
    if (refreshTimer !== null) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      refresh();
    }, delayMs);
  }

  function wantStats() {
    return Date.now() >= state.statsAbsentUntil;
  }

  async function loadStats() {
    try {
      return await getJson("v1/stats");
    } catch (error) {
      if (error instanceof AuthError) throw error;
      if (error.status === 404) state.statsAbsentUntil = Date.now() + STATS_ABSENT_RETRY_MS;
      return null; // not there, or not now: the page computes what it can
    }
  }

  async function refresh() {
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    if (!state.key) return; // signed out meanwhile
    refreshing = true;
    const gen = state.generation;
    try {
      const [queues, agents, stats] = await Promise.all([
        getJson("v1/queues"), getJson("v1/agents"), wantStats() ? loadStats() : Promise.resolve(null),
      ]);
      if (gen !== state.generation) return;
      const now = performance.now();
      state.queues = queues;
      state.queuesAt = now;
      state.agents = Array.isArray(agents) ? agents : [];
      state.stats = stats && typeof stats === "object" && Array.isArray(stats.queues) ? stats : null;
      state.statsAt = now;
      if (state.stats && typeof state.stats.service_level_threshold_s === "number") {
        state.thresholdS = state.stats.service_level_threshold_s;
      }
      if (state.stats && typeof state.stats.service_level_goal === "number") {
        state.goal = state.stats.service_level_goal;
      }
      render();
    } catch (error) {
      if (error instanceof AuthError && gen === state.generation) signOut(error.message);
      // otherwise: the stream's state says what is wrong; the next refresh retries
    } finally {
      refreshing = false;
      if (refreshAgain) {
        refreshAgain = false;
        refreshSoon(0);
      }
    }
  }

  // ------------------------------------------------------------------------------ rendering
  function render() {
    renderTiles();
    renderQueues();
    renderAgents();
    tick();
  }

  function waitCell(node, baseS, at) {
    node.dataset.waitBase = baseS === null || baseS === undefined ? "" : String(baseS);
    node.dataset.waitAt = String(at);
  }

  // Waits grow between refreshes: every cell with a base wait counts on in the browser.
  function tick() {
    const now = performance.now();
    for (const node of document.querySelectorAll("[data-wait-base]")) {
      if (node.dataset.waitBase === "") {
        node.textContent = "–";
        mark(node, null);
        continue;
      }
      const waitS = Number(node.dataset.waitBase) + (now - Number(node.dataset.waitAt)) / 1000;
      node.textContent = duration(waitS);
      mark(node, waitS <= state.thresholdS);
    }
    settleOverdue();
    if (!state.stats) renderServiceLevelFallback();
  }

  function renderTiles() {
    const stats = state.stats;
    $("t-target").textContent = `(within ${duration(state.thresholdS)})`;
    if (stats) {
      setText("t-waiting", stats.waiting);
      waitCell($("t-longest"), stats.longest_wait_s, state.statsAt);
      const sl = stats.today.service_level;
      setText("t-service-level", percent(sl), sl === null ? null : sl >= state.goal);
      setText("t-available", stats.agents.available);
      const t = stats.today;
      setText("t-offers", `${t.offers_accepted} / ${t.offers_declined} / ${t.offers_expired}`);
      setText("t-accept", duration(t.avg_accept_s));
      const since = clock(stats.day_started_at_s);
      $("sl-source").textContent =
        `Today since ${since} (${stats.time_zone}): ${t.accepted_within_threshold} of ` +
        `${t.service_level_basis} accepted within ${duration(state.thresholdS)}; goal ` +
        `${percent(state.goal)}. ${t.escalations_arrived} arrived, ` +
        `${t.escalations_abandoned} abandoned, ${t.escalations_deferred} deferred.`;
    } else {
      const queues = state.queues || { depth: 0, oldest_wait_s: null };
      setText("t-waiting", queues.depth);
      waitCell($("t-longest"), queues.oldest_wait_s, state.queuesAt);
      setText("t-available", state.agents.filter((a) => a.status === "available").length);
      const local = state.local;
      setText("t-offers", `${local.accepted} / ${local.declined} / ${local.expired}`);
      setText("t-accept", local.acceptN ? duration(local.acceptSum / local.acceptN) : "–");
      renderServiceLevelFallback();
    }
  }

  function renderServiceLevelFallback() {
    const local = state.local;
    const sl = local.basis ? local.within / local.basis : null;
    setText("t-service-level", percent(sl), sl === null ? null : sl >= state.goal);
    $("sl-source").textContent =
      `Statistics endpoint unavailable: counted from the events seen since ` +
      `${clock(local.since / 1000)}: ${local.within} of ${local.basis} accepted within ` +
      `${duration(state.thresholdS)}; goal ${percent(state.goal)}.`;
  }

  function renderQueues() {
    const body = $("queues").tBodies[0];
    const rows = [];
    const stats = state.stats;
    const list = stats ? stats.queues : (state.queues ? state.queues.segments : []);
    for (const q of list) {
      const tr = document.createElement("tr");
      tr.append(el("th", q.channel), el("td", q.required_skills.join(", ") || "–"));
      tr.firstChild.scope = "row";
      const waiting = stats ? q.waiting : q.depth;
      tr.append(el("td", waiting, "num queue-waiting"));
      const wait = el("td", "–", "num queue-wait");
      waitCell(wait, stats ? q.longest_wait_s : q.oldest_wait_s, stats ? state.statsAt : state.queuesAt);
      tr.append(wait, el("td", q.eta_s === null ? "–" : duration(q.eta_s), "num"));
      if (stats) {
        const sl = q.today.service_level;
        const cell = el("td", percent(sl), "num queue-sl");
        cell.title = `${q.today.accepted_within_threshold} of ${q.today.service_level_basis} today`;
        mark(cell, sl === null ? null : sl >= state.goal);
        tr.append(cell, el("td", `${q.agents.available} / ${q.agents.eligible}`, "num"));
      } else {
        const cell = el("td", "–", "num queue-sl");
        cell.title = "per queue only with the statistics endpoint (/v1/stats)";
        tr.append(cell, el("td", "–", "num"));
      }
      tr.dataset.queue = `${q.channel}|${q.required_skills.join(",")}`;
      rows.push(tr);
    }
    body.replaceChildren(...rows);
    $("queues-empty").hidden = rows.length > 0;
  }

  function renderAgents() {
    const stats = state.stats;
    const counts = { available: 0, busy: 0, wrap_up: 0, not_responding: 0, away: 0, offline: 0 };
    const nowMs = Date.now();
    for (const a of state.agents) {
      if (a.status in counts) counts[a.status] += 1;
      if (a.wrap_up_until && Date.parse(a.wrap_up_until) > nowMs) counts.wrap_up += 1;
    }
    const shown = stats ? stats.agents : counts;
    for (const cell of $("agent-counts").querySelectorAll("[data-status]")) {
      const n = shown[cell.dataset.status];
      cell.textContent = n === undefined ? "–" : String(n);
    }
    const order = (a) => {
      const i = STATUS_ORDER.indexOf(a.status);
      return i < 0 ? STATUS_ORDER.length : i;
    };
    const agents = [...state.agents].sort((x, y) => order(x) - order(y) || String(x.id).localeCompare(String(y.id)));
    const rows = agents.map((a) => {
      const tr = document.createElement("tr");
      tr.dataset.agent = a.id;
      const name = a.profile && typeof a.profile.name === "string" && a.profile.name ? ` (${a.profile.name})` : "";
      const who = el("th", `${a.id}${name}`);
      who.scope = "row";
      const status = el("td", STATUS_LABEL[a.status] || a.status, `agent-status status-${a.status}`);
      if (a.wrap_up_until && Date.parse(a.wrap_up_until) > nowMs) {
        status.append(el("div", `wrap-up until ${clock(Date.parse(a.wrap_up_until) / 1000)}`, "note"));
      }
      const load = Object.entries(a.load || {}).map(([channel, n]) => `${channel} ${n}`).join(" · ");
      tr.append(who, status, el("td", load || "–", "agent-load"), el("td", a.missed_offers, "num"));
      return tr;
    });
    $("agents").tBodies[0].replaceChildren(...rows);
  }

  // The explanation lines of an event: what was decided, and the reason the service gave.
  function explain(event) {
    const d = event.data || {};
    const lines = [];
    const add = (text) => { if (text !== undefined && text !== null && text !== "") lines.push(String(text)); };
    switch (event.type) {
      case "escalation.queued":
        add(`position ${d.position}, ETA ${d.eta_s === null ? "none (nobody eligible staffed)" : duration(d.eta_s)}`);
        add(d.reason);
        break;
      case "escalation.offered":
        add(`offer ${d.offer_id} to ${d.agent_id}, expires ${typeof d.expires_at_s === "number" ? clock(d.expires_at_s) : d.expires_at}`);
        if (d.callback) add("the customer asked to be called back");
        if (d.context) {
          add(d.context.reason && `escalated: ${d.context.reason}`);
          add(d.context.intent && `intent: ${d.context.intent}`);
          add(d.context.summary);
        }
        break;
      case "offer.declined":
      case "offer.expired":
      case "offer.revoked":
        add(`offer ${d.offer_id} (${d.agent_id})`);
        add(d.reason);
        break;
      case "escalation.assigned":
        add(`accepted by ${d.agent_id} after ${duration(d.handoff_s)} (${d.handoff_s <= state.thresholdS ? "within" : "over"} ${duration(state.thresholdS)})`);
        break;
      case "escalation.relaxed":
        add(`level ${d.level}: ${d.step}`);
        break;
      case "escalation.deferred":
        add(`${d.mode}${typeof d.next_open_at_s === "number" ? `, next opening ${new Date(d.next_open_at_s * 1000).toLocaleString()}` : ""}`);
        add(d.reason);
        break;
      case "escalation.cancelled":
        add(`${d.state}: ${d.reason}`);
        break;
      case "escalation.completed":
      case "escalation.abandoned":
        add(d.state);
        break;
      case "escalation.handed_back":
        add(d.outcome && `outcome: ${d.outcome}`);
        break;
      case "escalation.transferred":
        add(`from ${d.from_agent_id} (transfer ${d.transfers})`);
        add(d.reason);
        break;
      case "escalation.callback_requested":
        add("the customer will be called back; keeps its place");
        break;
      case "escalation.position_changed":
        add(`position ${d.previous_position} → ${d.position}, ETA ${duration(d.eta_s)} (${d.cause})`);
        add(d.reason);
        break;
      case "agent.status_changed":
        add(STATUS_LABEL[d.status] || d.status);
        add(d.reason);
        break;
      case "agent.wrap_up_ended":
        add(d.wrap_up_s === null ? "wrap-up ended" : `after ${duration(d.wrap_up_s)}`);
        break;
      case "subscription.disabled":
        add(`${d.url} after ${d.consecutive_failures} failures`);
        add(d.reason);
        break;
      default:
        add(d.reason);
    }
    return lines;
  }

  function renderDecisions() {
    const rows = state.decisions.map((event) => {
      const tr = document.createElement("tr");
      tr.dataset.eventId = event.id;
      tr.dataset.type = event.type;
      if (event.escalation_id) tr.dataset.escalation = event.escalation_id;
      const time = el("td", typeof event.occurred_at_s === "number" ? clock(event.occurred_at_s) : "–");
      const what = el("td");
      what.append(el("div", EVENT_LABEL[event.type] || event.type), el("div", event.type, "note"));
      const explanation = el("td", undefined, "explanation");
      for (const line of explain(event)) explanation.append(el("div", line));
      if (event.type === "escalation.assigned" && typeof event.data.handoff_s === "number") {
        mark(explanation.firstChild, event.data.handoff_s <= state.thresholdS);
      }
      tr.append(time, what, el("td", event.escalation_id || "–"), el("td", event.agent_id || "–"), explanation);
      return tr;
    });
    $("decisions").tBodies[0].replaceChildren(...rows);
    $("decisions-empty").hidden = rows.length > 0;
  }

  // ------------------------------------------------------------------------------ signing in
  let refresher = null;
  let ticker = null;

  function start(key) {
    state.key = key;
    state.generation += 1;
    state.attempt = 0;
    state.lastEventId = null;
    state.decisions = [];
    state.seen.clear();
    state.seenOrder = [];
    state.local = newLocal();
    state.statsAbsentUntil = 0;
    $("sign-in").hidden = true;
    $("board").hidden = false;
    $("sign-out").hidden = false;
    renderDecisions();
    refresher = setInterval(() => refreshSoon(0), REFRESH_EVERY_MS);
    ticker = setInterval(tick, 500);
    connect(state.generation);
  }

  function signOut(message) {
    state.generation += 1;
    if (state.controller) state.controller.abort();
    clearTimeout(state.reconnectTimer);
    clearInterval(refresher);
    clearInterval(ticker);
    state.key = null;
    sessionStorage.removeItem(KEY_STORAGE);
    $("board").hidden = true;
    $("sign-out").hidden = true;
    $("sign-in").hidden = false;
    $("key-error").textContent = message || "";
    setConnection(message ? "refused" : "signed-out", message ? "Key refused" : "Signed out");
    $("api-key").focus();
  }

  async function onSubmit(event) {
    event.preventDefault(); // the key never goes into a URL or a form post
    const input = $("api-key");
    const key = input.value.trim();
    if (!key) return;
    $("key-error").textContent = "";
    state.key = key;
    try {
      await getJson("v1/queues"); // the key works and has the read scope
    } catch (error) {
      state.key = null;
      $("key-error").textContent = error instanceof AuthError ? error.message : "The service does not answer; try again.";
      return;
    }
    input.value = "";
    sessionStorage.setItem(KEY_STORAGE, key);
    start(key);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("key-form").addEventListener("submit", onSubmit);
    $("sign-out").addEventListener("click", () => signOut(""));
    const saved = sessionStorage.getItem(KEY_STORAGE);
    if (saved) start(saved);
    else $("api-key").focus();
  });
})();
