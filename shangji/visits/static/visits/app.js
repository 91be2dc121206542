/* The rep's day on the phone (V1, V3, V5, V6): today's plan, route order, check-in, the visit form, the sync queue.
   Plain script, no build step. The day's data comes from /visits/data.json (kept by the service worker for offline
   use); every change is saved to the IndexedDB queue first (queue.js) and then sent, so closing the page or losing
   the network loses nothing. */
"use strict";

(() => {
  const TEXT = JSON.parse(document.getElementById("rep-text").textContent);
  const URLS = JSON.parse(document.getElementById("rep-urls").textContent);
  const Q = window.VisitQueue;
  const $ = (selector, root) => (root || document).querySelector(selector);
  const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));
  const USER = JSON.parse(document.getElementById("rep-user").textContent);
  const STORE_KEY = `sj-visits-data-${USER}`;
  Q.setOwner(USER);
  const FIELD_LABELS = {
    pain_keywords: "客户痛点关键词", committed_action: "本次承诺动作", next_follow_up_at: "下次跟进时间",
  };

  let data = null;          // the day data from the server (plus what the phone knows it synced since)
  let queued = new Map();   // client_id → queue item (pending / conflict / rejected / synced)
  let photos = [];          // photo queue items
  let recordings = [];      // recording queue items
  let editing = null;       // client_id of the visit in the form
  let tags = { pain_keywords: [], key_demands: [] };
  let chart = null;

  const esc = (value) => String(value == null ? "" : value).replace(/[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const fmt = (template, values) => template.replace(/%\((\w+)\)s/g, (_, key) => values[key]);
  const clock = (seconds) => {
    const whole = Math.max(0, Math.round(seconds));
    return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  };
  const nowIso = () => new Date().toISOString();

  function fieldLabel(key) {
    const label = $(`[data-field="${key}"] label`);
    if (!label) return FIELD_LABELS[key] || key;
    const name = label.querySelector("span:not(.badge):not(.text-danger)");
    return (name ? name.textContent : label.textContent.replace("*", "")).trim();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Data: the server's day, overlaid with what waits in the queue

  async function loadData() {
    const requestedAt = Date.now();
    try {
      const response = await fetch(URLS.data, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const type = response.headers.get("Content-Type") || "";
      if (response.redirected || !type.includes("json")) throw new Error("login");
      const fresh = await response.json();
      // A visit still on the phone keeps its customer's card, also when the server no longer lists it (e.g. the
      // customer went to another rep: the rep must still see which visit was refused).
      const previous = data || JSON.parse(localStorage.getItem(STORE_KEY) || "null");
      if (previous) {
        for (const item of await Q.visits()) {
          const key = String(item.payload.customer);
          if (!fresh.customers[key] && previous.customers[key]) fresh.customers[key] = previous.customers[key];
        }
      }
      data = fresh;
      localStorage.setItem(STORE_KEY, JSON.stringify(data));
    } catch (error) {
      const kept = localStorage.getItem(STORE_KEY);
      if (kept) data = JSON.parse(kept);
      else if (!data) throw error;
      return refreshQueue(null);
    }
    await refreshQueue(requestedAt);
  }

  // `freshSince`: when the day data just downloaded was asked for. A visit synced before then is in it — or has
  // left today's plan (cancelled, moved, customer handed over) — so the phone's copy is no longer needed.
  async function refreshQueue(freshSince) {
    const items = await Q.visits();
    queued = new Map();
    for (const item of items) {
      const server = serverVisit(item.client_id);
      const caughtUp = !server || server.version >= item.payload.version;
      if (freshSince && item.state === "synced" && item.synced_at < freshSince && caughtUp) {
        await Q.forgetSynced(item.client_id, item.rev);
        continue;
      }
      queued.set(item.client_id, item);
    }
    photos = await Q.photos();
    recordings = await Q.recordings();
  }

  const serverVisit = (clientId) => data.visits.find((visit) => visit.client_id === clientId);

  function visits() {
    const merged = new Map(data.visits.map((visit) => [visit.client_id, Object.assign({}, visit)]));
    for (const [clientId, item] of queued) {
      const base = merged.get(clientId) || {};
      const visit = Object.assign({}, base, item.payload);
      if (item.state === "pending" || item.state === "synced") {
        // The server's derived facts (distance, flag) are stale until it has seen this copy.
        const changedCheckin = base.checked_in_at !== item.payload.checked_in_at;
        if (changedCheckin) Object.assign(visit, { checkin_distance_m: null, checkin_flag: "", checkin_flag_label: "" });
      }
      visit._queue = item;
      merged.set(clientId, visit);
    }
    return Array.from(merged.values())
      .filter((visit) => visit.status !== "cancelled" && (visit.planned_on === data.today || isToday(visit.visited_at)))
      .sort((a, b) => (a.plan_position - b.plan_position) || String(a.client_id).localeCompare(b.client_id));
  }

  function isToday(iso) {
    if (!iso) return false;
    const day = new Date(iso);
    const local = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, "0")}-${String(day.getDate()).padStart(2, "0")}`;
    return local === data.today;
  }

  const customer = (id) => data.customers[String(id)] || { id, name: `#${id}`, contacts: [] };
  const pendingCount = () => Array.from(queued.values()).filter((i) => i.state === "pending").length
    + photos.filter((p) => p.state === "pending").length
    + recordings.filter((r) => r.state === "pending").length;

  function payloadOf(visit) {
    const keys = ["client_id", "customer", "status", "planned_on", "plan_position", "checked_in_at", "checkin_latitude",
      "checkin_longitude", "pain_keywords", "committed_action", "next_follow_up_at", "focus_product", "key_demands",
      "tomorrow_action", "competitor_price", "stock_level", "notes", "objection", "previous_action_done", "visited_at",
      "device_recorded_at", "version"];
    const payload = {};
    for (const key of keys) payload[key] = visit[key] === undefined ? null : visit[key];
    payload.pain_keywords = payload.pain_keywords || [];
    payload.key_demands = payload.key_demands || [];
    payload.committed_action = payload.committed_action || "";
    payload.tomorrow_action = payload.tomorrow_action || "";
    payload.notes = payload.notes || "";
    payload.version = payload.version || 1;
    return payload;
  }

  async function save(visit) {
    await Q.saveVisit(payloadOf(visit));
    await refreshQueue(null);
    render();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Sync

  let syncTimer = null;

  async function syncNow() {
    if (!queuedPending()) {
      renderBadge();
      return { sent: 0 };
    }
    renderBadge(true);
    const outcome = await Q.sync({ urls: URLS, batchSize: data.settings.sync_max_visits || 50 });
    await refreshQueue(null);
    if (outcome.expired) notice(TEXT.session_expired);
    if (outcome.sent) {
      try { await loadData(); } catch (error) { /* offline again: the queue keeps the truth */ }
    }
    render();
    return outcome;
  }

  const queuedPending = () => pendingCount() > 0;

  function notice(message) {
    const box = $("#rep-notice");
    box.textContent = message || "";
    box.classList.toggle("d-none", !message);
  }

  // ---------------------------------------------------------------------------------------------------------
  // The plan

  function render() {
    renderBadge();
    if (!data) return;
    $("#plan-day").textContent = data.today;
    const list = visits();
    $("#plan-empty").textContent = TEXT.empty_plan;
    $("#plan-empty").classList.toggle("d-none", list.length > 0);
    $("#plan-list").innerHTML = list.map((visit, index) => card(visit, index)).join("");
    renderQueue();
    renderRoute(list);
    if (!navigator.onLine) notice(fmt(TEXT.data_stale, { at: data.loaded_at }));
    else if ($("#rep-notice").textContent.startsWith(TEXT.data_stale.split("%")[0])) notice("");
  }

  function renderBadge(syncing) {
    const count = pendingCount();
    const badge = $("#sync-badge");
    badge.querySelector("span").textContent = syncing ? TEXT.syncing : count ? fmt(TEXT.pending, { n: count }) : TEXT.all_synced;
    badge.classList.toggle("btn-warning", count > 0);
    badge.classList.toggle("btn-outline-secondary", count === 0);
    $("#offline-badge").classList.toggle("d-none", navigator.onLine);
  }

  function checkinText(visit) {
    if (!visit.checked_in_at) return "";
    const item = visit._queue;
    if (item && item.state === "pending" && (!serverVisit(visit.client_id) || serverVisit(visit.client_id).checked_in_at !== visit.checked_in_at)) {
      return `<span class="text-warning-emphasis">${esc(TEXT.status_checked_in)} · ${esc(TEXT.waiting)}</span>`;
    }
    if (!visit.checkin_flag) return `${esc(TEXT.status_checked_in)}`;
    const label = visit.checkin_flag_label || data.flags[visit.checkin_flag] || visit.checkin_flag;
    const distance = visit.checkin_distance_m != null ? ` · ${esc(fmt(TEXT.metres, { n: visit.checkin_distance_m }))}` : "";
    return `<span class="rep-flag-${esc(visit.checkin_flag)}">${esc(label)}${distance}</span>`;
  }

  function errorsHtml(errors) {
    const lines = [];
    for (const [key, messages] of Object.entries(errors || {})) {
      const prefix = key === "__all__" || key === "version" || key === "customer" || key === "client_id" ? "" : `${fieldLabel(key)}：`;
      for (const message of [].concat(messages)) lines.push(`<div>${esc(prefix + message)}</div>`);
    }
    return lines.join("");
  }

  function stateBadge(item) {
    if (!item || item.state === "synced") return "";
    const cls = item.state === "pending" ? "text-bg-warning" : "text-bg-danger";
    const label = item.state === "pending" ? TEXT.waiting : item.state === "conflict" ? TEXT.conflict : TEXT.rejected;
    return `<span class="badge ${cls} rep-sync-state">${esc(label)}</span>`;
  }

  function card(visit, index) {
    const c = customer(visit.customer);
    const item = visit._queue;
    const last = c.last_visit;
    const photoWaiting = photos.filter((p) => p.visit_client_id === visit.client_id && p.state === "pending").length;
    const recordingWaiting = recordings.filter((r) => r.visit_client_id === visit.client_id && r.state === "pending").length;
    const contacts = (c.contacts || []).map((p) => `${esc(p.name)}${p.title ? `（${esc(p.title)}）` : ""}${p.mobile ? ` <a href="tel:${esc(p.mobile)}">${esc(p.mobile)}</a>` : ""}`).join("；");
    const located = c.latitude != null && c.longitude != null;
    const buttons = [];
    if (visit.status === "planned") buttons.push(`<button type="button" class="btn btn-sm btn-primary" data-action="checkin">${esc(TEXT.check_in)}</button>`);
    buttons.push(`<button type="button" class="btn btn-sm ${visit.status === "recorded" ? "btn-outline-success" : visit.status === "checked_in" ? "btn-success" : "btn-outline-success"}" data-action="record">${esc(visit.status === "recorded" ? TEXT.edit_record : TEXT.record)}</button>`);
    buttons.push(`<button type="button" class="btn btn-sm btn-outline-secondary" data-action="up" aria-label="${esc(TEXT.up)}"><i class="bi bi-arrow-up"></i></button>`);
    buttons.push(`<button type="button" class="btn btn-sm btn-outline-secondary" data-action="down" aria-label="${esc(TEXT.down)}"><i class="bi bi-arrow-down"></i></button>`);
    if (visit.status === "planned") buttons.push(`<button type="button" class="btn btn-sm btn-outline-danger" data-action="remove">${esc(TEXT.remove)}</button>`);
    let problem = "";
    if (item && (item.state === "conflict" || item.state === "rejected")) {
      problem = `<div class="rep-errors">${errorsHtml(item.errors)}</div><div class="rep-buttons">
        ${item.state === "conflict" ? `<button type="button" class="btn btn-sm btn-outline-warning" data-action="keep">${esc(TEXT.keep_mine)}</button>` : ""}
        <button type="button" class="btn btn-sm btn-outline-danger" data-action="discard">${esc(TEXT.discard)}</button></div>`;
    }
    return `<li class="rep-visit status-${esc(visit.status)} queue-${esc(item ? item.state : "none")}" data-client-id="${esc(visit.client_id)}" data-customer="${esc(c.name)}">
      <div class="d-flex gap-2 align-items-start">
        <span class="rep-order">${index + 1}</span>
        <div class="flex-fill">
          <div class="d-flex flex-wrap gap-1 align-items-center"><span class="rep-name">${esc(c.name)}</span>
            <span class="badge text-bg-light border">${esc(TEXT["status_" + visit.status] || visit.status)}</span>${stateBadge(item)}
            ${visit.points ? `<span class="badge text-bg-success">${esc(fmt(TEXT.points, { n: visit.points }))}</span>` : ""}</div>
          <div class="rep-meta">${esc(c.address || "")}${located ? "" : ` <span class="text-danger">${c.address ? "· " : ""}${esc(TEXT.no_location)}</span>`}</div>
          <div class="rep-meta rep-checkin">${checkinText(visit)}</div>
          ${last ? `<div class="rep-meta">${esc(TEXT.last_visit)} ${esc((last.visited_at || "").slice(0, 10))}${last.committed_action ? ` · ${esc(TEXT.committed)}：${esc(last.committed_action)}` : ""}</div>` : ""}
          ${contacts ? `<div class="rep-meta">${esc(TEXT.contacts)}：${contacts}</div>` : ""}
          ${photoWaiting ? `<div class="rep-meta text-warning-emphasis">${esc(TEXT.photo_waiting)} × ${photoWaiting}</div>` : ""}
          ${recordingWaiting ? `<div class="rep-meta text-warning-emphasis">${esc(TEXT.recording_waiting)} × ${recordingWaiting}</div>` : ""}
        </div>
      </div>
      <div class="rep-buttons">${buttons.join("")}</div>${problem}
    </li>`;
  }

  function renderQueue() {
    const rows = [];
    for (const item of queued.values()) {
      if (item.state === "synced") continue;
      const c = customer(item.payload.customer);
      rows.push(`<li class="list-group-item small" data-queue-visit="${esc(item.client_id)}">
        <div class="d-flex justify-content-between"><span>${esc(c.name)} · ${esc(TEXT["status_" + item.payload.status] || item.payload.status)}</span>${stateBadge(item)}</div>
        ${item.state !== "pending" ? `<div class="rep-errors">${errorsHtml(item.errors)}</div>` : ""}</li>`);
    }
    for (const photo of photos) {
      const owner = visits().find((v) => v.client_id === photo.visit_client_id);
      const name = owner ? customer(owner.customer).name : "";
      rows.push(`<li class="list-group-item small" data-queue-photo="${esc(photo.client_id)}">
        <div class="d-flex justify-content-between"><span>${esc(TEXT.photos)} · ${esc(name)} · ${esc(photo.name)}</span>${stateBadge(photo)}</div>
        ${photo.state === "rejected" ? `<div class="rep-errors">${errorsHtml(photo.errors)}</div>
          <button type="button" class="btn btn-sm btn-outline-danger mt-1" data-discard-photo="${esc(photo.client_id)}">${esc(TEXT.discard)}</button>` : ""}</li>`);
    }
    for (const recording of recordings) {
      const owner = visits().find((v) => v.client_id === recording.visit_client_id);
      const name = owner ? customer(owner.customer).name : "";
      const length = recording.seconds != null ? ` · ${clock(recording.seconds)}` : "";
      rows.push(`<li class="list-group-item small" data-queue-recording="${esc(recording.client_id)}">
        <div class="d-flex justify-content-between"><span>${esc(TEXT.recordings)} · ${esc(name)} · ${esc(recording.name)}${esc(length)}</span>${stateBadge(recording)}</div>
        ${recording.state === "rejected" ? `<div class="rep-errors">${errorsHtml(recording.errors)}</div>
          <button type="button" class="btn btn-sm btn-outline-danger mt-1" data-discard-recording="${esc(recording.client_id)}">${esc(TEXT.discard)}</button>` : ""}</li>`);
    }
    $("#queue-list").innerHTML = rows.join("") || `<li class="list-group-item small sj-muted">${esc(TEXT.queue_empty)}</li>`;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Route: nearest neighbour from here (or the last check-in) over the customers' positions

  function km(a, b) {
    const rad = Math.PI / 180;
    const dLat = (b.lat - a.lat) * rad, dLon = (b.lon - a.lon) * rad;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
    return 12742 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  function position(timeout) {
    return new Promise((resolve) => {
      if (!navigator.geolocation) return resolve(null);
      navigator.geolocation.getCurrentPosition(
        (pos) => resolve({ lat: pos.coords.latitude, lon: pos.coords.longitude }),
        () => resolve(null), { enableHighAccuracy: true, timeout, maximumAge: 60000 });
    });
  }

  async function routeSort() {
    notice(TEXT.locating);
    let start = await position(8000);
    const list = visits();  // read after the wait: a sync may have brought newer versions meanwhile
    let basis = TEXT.route_from_here;
    if (!start) {
      const checked = list.filter((v) => v.checkin_latitude != null).sort((a, b) => String(b.checked_in_at).localeCompare(String(a.checked_in_at)));
      if (checked.length) {
        start = { lat: Number(checked[0].checkin_latitude), lon: Number(checked[0].checkin_longitude) };
        basis = TEXT.route_from_checkin;
      } else {
        basis = TEXT.route_from_first;
      }
    }
    notice("");
    const done = list.filter((v) => v.status === "recorded");
    const open = list.filter((v) => v.status !== "recorded");
    const located = open.filter((v) => customer(v.customer).latitude != null);
    const unlocated = open.filter((v) => customer(v.customer).latitude == null);
    const ordered = [];
    let here = start;
    const left = located.slice();
    while (left.length) {
      let best = 0;
      if (here) {
        let bestKm = Infinity;
        left.forEach((v, i) => {
          const c = customer(v.customer);
          const d = km(here, { lat: c.latitude, lon: c.longitude });
          if (d < bestKm) { bestKm = d; best = i; }
        });
      }
      const next = left.splice(best, 1)[0];
      ordered.push(next);
      here = { lat: customer(next.customer).latitude, lon: customer(next.customer).longitude };
    }
    const final = done.concat(ordered, unlocated);
    for (const [index, visit] of final.entries()) {
      if (visit.plan_position !== index + 1) {
        visit.plan_position = index + 1;
        await Q.saveVisit(payloadOf(visit));
      }
    }
    routeStart = start ? { point: start, basis } : { point: null, basis };
    await refreshQueue(null);
    render();
    syncNow();
  }

  let routeStart = null;

  function renderRoute(list) {
    const points = list.map((v, i) => ({ v, i, c: customer(v.customer) })).filter((p) => p.c.latitude != null);
    const box = $("#route-card");
    box.classList.toggle("d-none", points.length === 0 || !window.echarts);
    if (points.length === 0 || !window.echarts) return;
    const path = points.map((p) => [p.c.longitude, p.c.latitude]);
    const start = routeStart && routeStart.point ? [routeStart.point.lon, routeStart.point.lat] : null;
    const line = start ? [start].concat(path) : path;
    let total = 0;
    for (let i = 1; i < line.length; i++) total += km({ lon: line[i - 1][0], lat: line[i - 1][1] }, { lon: line[i][0], lat: line[i][1] });
    const missing = list.length - points.length;
    $("#route-note").textContent = [routeStart ? routeStart.basis : "", fmt(TEXT.route_km, { km: total.toFixed(1) }),
      missing ? `${TEXT.no_location} × ${missing}` : ""].filter(Boolean).join(" · ");
    chart = chart || echarts.init($("#route-chart"));
    chart.setOption({
      animation: false, grid: { left: 8, right: 8, top: 8, bottom: 8, containLabel: false },
      xAxis: { type: "value", scale: true, show: false }, yAxis: { type: "value", scale: true, show: false },
      series: [
        { type: "line", data: line, symbol: "none", lineStyle: { color: "#c0392b", width: 2, type: "dashed" } },
        { type: "scatter", data: points.map((p) => ({ value: [p.c.longitude, p.c.latitude], name: p.c.name, order: p.i + 1 })),
          symbolSize: 22, itemStyle: { color: "#1f5fa8" },
          label: { show: true, formatter: (d) => String(d.data.order), color: "#fff", fontWeight: "bold" } },
        { type: "scatter", data: start ? [{ value: start, name: TEXT.route_start }] : [], symbol: "diamond",
          symbolSize: 16, itemStyle: { color: "#198754" },
          label: { show: true, position: "right", formatter: TEXT.route_start, color: "#198754" } },
      ],
      tooltip: { trigger: "item", formatter: (d) => esc(d.name) },
    }, true);
    chart.resize();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Plan actions

  async function addToPlan(customerId, card) {
    if (card) data.customers[String(card.id)] = Object.assign(data.customers[String(card.id)] || {}, card);
    const list = visits();
    if (list.some((v) => String(v.customer) === String(customerId) && v.status !== "recorded")) return;
    const visit = { client_id: Q.newId(), customer: Number(customerId), status: "planned", planned_on: data.today,
      plan_position: list.length + 1, version: 1 };
    localStorage.setItem(STORE_KEY, JSON.stringify(data));
    await save(visit);
    syncNow();
  }

  async function move(clientId, step) {
    const list = visits();
    const index = list.findIndex((v) => v.client_id === clientId);
    const other = index + step;
    if (index < 0 || other < 0 || other >= list.length) return;
    [list[index], list[other]] = [list[other], list[index]];
    for (const [position, visit] of list.entries()) {
      if (visit.plan_position !== position + 1) {
        visit.plan_position = position + 1;
        await Q.saveVisit(payloadOf(visit));
      }
    }
    await refreshQueue(null);
    render();
    syncNow();
  }

  async function checkIn(clientId) {
    const visit = visits().find((v) => v.client_id === clientId);
    notice(TEXT.locating);
    const here = await position(10000);
    notice(here ? "" : TEXT.no_position);
    Object.assign(visit, { status: "checked_in", checked_in_at: nowIso(), visited_at: visit.visited_at || null,
      checkin_latitude: here ? Number(here.lat.toFixed(6)) : null, checkin_longitude: here ? Number(here.lon.toFixed(6)) : null });
    await save(visit);
    await syncNow();
  }

  $("#plan-list").addEventListener("click", async (event) => {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    const clientId = button.closest("[data-client-id]").dataset.clientId;
    const action = button.dataset.action;
    button.disabled = true;
    try {
      if (action === "checkin") await checkIn(clientId);
      else if (action === "record") openForm(clientId);
      else if (action === "up") await move(clientId, -1);
      else if (action === "down") await move(clientId, 1);
      else if (action === "remove") {
        const item = queued.get(clientId);
        if (!serverVisit(clientId) && item && !item.id) {
          // Never reached the server: forgetting it on the phone is the whole removal.
          await Q.discardVisit(clientId);
          await refreshQueue(null);
          render();
          return;
        }
        const visit = visits().find((v) => v.client_id === clientId);
        visit.status = "cancelled";
        await save(visit);
        syncNow();
      } else if (action === "keep") {
        const item = queued.get(clientId);
        item.payload.version = item.version;  // base it on the server's copy: mine wins
        item.state = "pending";
        item.errors = {};
        await Q.putVisit(item);
        await refreshQueue(null);
        await syncNow();
      } else if (action === "discard") {
        if (!window.confirm(TEXT.discard_confirm)) return;
        await Q.discardVisit(clientId);
        await refreshQueue(null);
        try { await loadData(); } catch (error) { /* offline */ }
        render();
      }
    } finally {
      button.disabled = false;
    }
  });

  $("#queue-list").addEventListener("click", async (event) => {
    const button = event.target.closest("[data-discard-photo], [data-discard-recording]");
    if (!button || !window.confirm(TEXT.discard_confirm)) return;
    if (button.dataset.discardPhoto) await Q.discardPhoto(button.dataset.discardPhoto);
    else await Q.discardRecording(button.dataset.discardRecording);
    await refreshQueue(null);
    render();
  });

  $("#sync-now").addEventListener("click", () => syncNow());
  $("#sync-badge").addEventListener("click", () => syncNow());
  $("#route-sort").addEventListener("click", () => routeSort());

  // Customer search: the server's visible customers online, the cards on the phone offline.
  let searchTimer = null;
  let searchSeq = 0;
  $("#customer-search").addEventListener("input", (event) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => search(event.target.value.trim()), 250);
  });

  async function search(text) {
    const seq = ++searchSeq;
    const note = $("#search-note");
    note.classList.add("d-none");
    if (!text) {
      $("#search-results").innerHTML = "";
      return;
    }
    let results;
    try {
      const response = await fetch(`${URLS.customers}?q=${encodeURIComponent(text)}`, { credentials: "same-origin" });
      if (!(response.headers.get("Content-Type") || "").includes("json")) throw new Error("not json");
      results = (await response.json()).results;
    } catch (error) {
      const lower = text.toLowerCase();
      results = Object.values(data.customers).filter((c) => c.name.toLowerCase().includes(lower) || (c.code || "").toLowerCase() === lower);
      note.textContent = TEXT.offline_search;
      note.classList.remove("d-none");
    }
    if (seq !== searchSeq) return;
    const planned = new Set(visits().filter((v) => v.status !== "recorded").map((v) => String(v.customer)));
    $("#search-results").innerHTML = results.length ? results.map((c) => `<li class="list-group-item d-flex justify-content-between align-items-center px-1" data-result="${esc(c.id)}">
        <div><div>${esc(c.name)}</div><div class="small sj-muted">${esc([c.address, c.latitude == null ? TEXT.no_location : ""].filter(Boolean).join(" · "))}</div></div>
        ${planned.has(String(c.id)) ? `<span class="small sj-muted">${esc(TEXT.in_plan)}</span>` : `<button type="button" class="btn btn-sm btn-outline-primary" data-add="${esc(c.id)}">${esc(TEXT.add)}</button>`}
      </li>`).join("") : `<li class="list-group-item small sj-muted px-1">${esc(TEXT.no_results)}</li>`;
    $("#search-results").dataset.cards = JSON.stringify(results);
  }

  $("#search-results").addEventListener("click", async (event) => {
    const button = event.target.closest("[data-add]");
    if (!button) return;
    const cards = JSON.parse($("#search-results").dataset.cards || "[]");
    button.disabled = true;
    await addToPlan(button.dataset.add, cards.find((c) => String(c.id) === button.dataset.add));
    button.replaceWith(Object.assign(document.createElement("span"), { className: "small sj-muted", textContent: TEXT.in_plan }));
  });

  // ---------------------------------------------------------------------------------------------------------
  // The visit form

  const form = $("#visit-form");
  const localInput = (iso) => {
    if (!iso) return "";
    const d = new Date(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };

  function fillSelect(select, rows, emptyLabel, value) {
    select.innerHTML = `<option value="">${esc(emptyLabel)}</option>` + rows.map((row) =>
      `<option value="${esc(row.id)}">${esc(row.name)}</option>`).join("");
    select.value = value == null ? "" : String(value);
  }

  function todaysDailyThree() {
    // V1: the daily three are filled once a day; a later visit starts from the day's earlier record.
    const earlier = visits().filter((v) => v.status === "recorded" && v.client_id !== editing)
      .sort((a, b) => String(b.device_recorded_at || b.visited_at).localeCompare(String(a.device_recorded_at || a.visited_at)))[0];
    return earlier ? { focus_product: earlier.focus_product, tomorrow_action: earlier.tomorrow_action } : {};
  }

  function openForm(clientId) {
    editing = clientId;
    const visit = visits().find((v) => v.client_id === clientId);
    const c = customer(visit.customer);
    const fresh = visit.status !== "recorded";
    const daily = fresh ? todaysDailyThree() : {};
    form.reset();
    clearErrors();
    $("#form-customer").textContent = c.name;
    $("#form-checkin").innerHTML = checkinText(visit);
    tags = { pain_keywords: (visit.pain_keywords || []).slice(), key_demands: (visit.key_demands || []).slice() };
    $("#committed-action").value = visit.committed_action || "";
    $("#next-follow-up").value = localInput(visit.next_follow_up_at);
    fillSelect($("#focus-product"), data.products, "—", visit.focus_product != null ? visit.focus_product : daily.focus_product);
    $("#tomorrow-action").value = visit.tomorrow_action || daily.tomorrow_action || "";
    $("#competitor-price").value = visit.competitor_price == null ? "" : visit.competitor_price;
    $("#stock-level").value = visit.stock_level == null ? "" : visit.stock_level;
    $("#visit-notes").value = visit.notes || "";
    fillSelect($("#objection"), data.objections, "—", visit.objection);
    $("#previous-done").value = visit.previous_action_done == null ? "" : String(visit.previous_action_done);
    for (const kind of ["shelf", "competitor", "chat"]) {
      const kept = (visit.photos || []).filter((p) => p.kind === kind).length
        + photos.filter((p) => p.visit_client_id === clientId && p.kind === kind).length;
      $(`[data-photo-note="${kind}"]`).textContent = kept ? `${TEXT.photos} × ${kept}` : "";
    }
    discardRecorder();
    clearAttached();
    keptRecordings = (visit.recordings || []).length
      + recordings.filter((r) => r.visit_client_id === clientId).length;
    renderAttached();
    renderTags();
    renderObjection();
    const item = visit._queue;
    if (item && (item.state === "rejected" || item.state === "conflict")) showErrors(item.errors);
    $("#plan-view").classList.add("d-none");
    $("#form-view").classList.remove("d-none");
    window.scrollTo(0, 0);
  }

  function closeForm() {
    editing = null;
    discardRecorder();
    clearAttached();
    $("#form-view").classList.add("d-none");
    $("#plan-view").classList.remove("d-none");
    render();
  }

  $("#form-back").addEventListener("click", closeForm);

  // Tags with typeahead: the rep's recent words and the signal dictionary
  const tagInputs = { pain_keywords: $("#pain-input"), key_demands: $("#demand-input") };
  const suggestions = (key) => (key === "pain_keywords" ? data.keywords : data.demands.concat(data.keywords)) || [];

  function renderTags() {
    for (const key of Object.keys(tags)) {
      $(`[data-tags="${key}"]`).innerHTML = tags[key].map((tag, i) =>
        `<span class="rep-tag">${esc(tag)}<button type="button" data-tag-remove="${key}" data-index="${i}" aria-label="×">×</button></span>`).join("");
      const typed = tagInputs[key].value.trim();
      const options = suggestions(key).filter((word) => !tags[key].includes(word) && (!typed || word.includes(typed))).slice(0, 8);
      $(`[data-suggest="${key}"]`).innerHTML = options.map((word) =>
        `<button type="button" class="btn btn-outline-secondary" data-tag-pick="${key}">${esc(word)}</button>`).join("");
    }
  }

  function addTag(key, raw) {
    for (const word of String(raw).split(/[,，、\s]+/).map((w) => w.trim()).filter(Boolean)) {
      if (!tags[key].includes(word) && tags[key].length < 10) tags[key].push(word.slice(0, 20));
    }
    tagInputs[key].value = "";
    renderTags();
  }

  for (const [key, input] of Object.entries(tagInputs)) {
    input.addEventListener("input", renderTags);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        addTag(key, input.value);
      }
    });
  }

  form.addEventListener("click", (event) => {
    const target = event.target.closest("[data-tag-add], [data-tag-remove], [data-tag-pick]");
    if (!target) return;
    if (target.dataset.tagAdd) addTag(target.dataset.tagAdd, tagInputs[target.dataset.tagAdd].value);
    else if (target.dataset.tagPick) addTag(target.dataset.tagPick, target.textContent);
    else {
      tags[target.dataset.tagRemove].splice(Number(target.dataset.index), 1);
      renderTags();
    }
  });

  // V6: the talk tracks at once (from the phone's copy), the local success case when the network allows
  let helpSeq = 0;
  async function renderObjection() {
    const id = $("#objection").value;
    const panel = $("#objection-panel");
    const objection = data.objections.find((o) => String(o.id) === id);
    panel.classList.toggle("d-none", !objection);
    if (!objection) return;
    $("#objection-title").textContent = `${TEXT.talk_tracks} · ${objection.name}`;
    $("#talk-tracks").innerHTML = objection.talk_tracks.map((t) => `<li><strong>${esc(t.title)}</strong>：${esc(t.answer)}</li>`).join("");
    const box = $("#objection-case");
    box.textContent = TEXT.case_loading;
    const seq = ++helpSeq;
    const visit = visits().find((v) => v.client_id === editing);
    try {
      const response = await fetch(`${URLS.objection_help}?objection=${encodeURIComponent(id)}&customer=${encodeURIComponent(visit.customer)}`,
        { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok || !(response.headers.get("Content-Type") || "").includes("json")) throw new Error(String(response.status));
      const help = await response.json();
      if (seq !== helpSeq) return;
      if (help.case) {
        const k = help.case;
        box.innerHTML = `<div class="fw-semibold">${esc(TEXT.case_title)}${help.case_basis ? `（${esc(help.case_basis)}）` : ""}</div>
          <div>${esc([k.customer, k.city, k.industry, k.won_on].filter(Boolean).join(" · "))}${k.amount ? ` · ¥${esc(k.amount)}` : ""}</div>
          <div>${esc(k.summary)}</div>`;
      } else {
        box.textContent = TEXT.no_case;
      }
    } catch (error) {
      if (seq === helpSeq) box.textContent = TEXT.case_offline;
    }
  }
  $("#objection").addEventListener("change", renderObjection);

  for (const input of $$("[data-photo-kind]")) {
    input.addEventListener("change", () => {
      const kind = input.dataset.photoKind;
      const note = $(`[data-photo-note="${kind}"]`);
      note.textContent = input.files.length ? Array.from(input.files).map((f) => f.name).join("、") : "";
    });
  }

  // Recordings (V2): chosen files, or recorded here where the browser has MediaRecorder (and a secure context,
  // which getUserMedia needs). They stay in the form until it is saved, then wait in the queue like photos.
  let attached = [];        // {blob, name, seconds, url} of the open form, not yet saved
  let keptRecordings = 0;   // recordings the visit already has (on the server or in the queue)
  let recorder = null;      // {media, stream, chunks, startedAt, timer, keep, done}
  const recordButton = $("#record-toggle");
  const canRecord = Boolean(window.MediaRecorder && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  recordButton.classList.toggle("d-none", !canRecord);
  const EXTENSIONS = { "audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a", "audio/mpeg": "mp3", "audio/wav": "wav" };

  function recorderType() {
    for (const type of ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"]) {
      if (MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(type)) return type;
    }
    return "";
  }

  function clearAttached() {
    for (const item of attached) URL.revokeObjectURL(item.url);
    attached = [];
  }

  function attach(blob, name, seconds) {
    const item = { blob, name, seconds, url: URL.createObjectURL(blob) };
    attached.push(item);
    renderAttached();
    if (seconds == null) {
      // A chosen file's length, from its metadata where the browser can read it (only shown, never trusted).
      const probe = new Audio();
      probe.preload = "metadata";
      probe.onloadedmetadata = () => {
        if (Number.isFinite(probe.duration) && attached.includes(item)) {
          item.seconds = probe.duration;
          renderAttached();
        }
      };
      probe.src = item.url;
    }
  }

  function renderAttached() {
    $("#recording-list").innerHTML = attached.map((item, index) => `<li data-attached-recording="${index}">
      <div class="d-flex justify-content-between align-items-center gap-2">
        <span class="text-truncate"><i class="bi bi-mic" aria-hidden="true"></i> ${esc(item.name)}${item.seconds != null ? ` · ${esc(clock(item.seconds))}` : ""}</span>
        <button type="button" class="btn btn-sm btn-link text-danger p-0 flex-shrink-0" data-remove-recording="${index}">${esc(TEXT.remove_attachment)}</button>
      </div>
      <audio controls preload="metadata" src="${esc(item.url)}"></audio></li>`).join("");
    if (!recorder) {
      $("#recording-note").textContent = keptRecordings ? `${TEXT.recordings} × ${keptRecordings}` : "";
    }
  }

  function showRecorder() {
    const on = Boolean(recorder);
    recordButton.classList.toggle("btn-danger", on);
    recordButton.classList.toggle("btn-outline-danger", !on);
    recordButton.setAttribute("aria-pressed", String(on));
    recordButton.querySelector("i").className = on ? "bi bi-stop-fill" : "bi bi-mic";
    recordButton.querySelector("span").textContent = on ? TEXT.record_stop : TEXT.record_start;
    if (on) $("#recording-note").textContent = fmt(TEXT.recording_now, { t: clock((Date.now() - recorder.startedAt) / 1000) });
    else renderAttached();
  }

  async function startRecorder() {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      $("#recording-note").textContent = fmt(TEXT.mic_failed, { reason: error.name || String(error) });
      return;
    }
    const type = recorderType();
    const media = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    const state = { media, stream, chunks: [], startedAt: Date.now(), timer: null, keep: true, done: null };
    state.done = new Promise((resolve) => {
      media.ondataavailable = (event) => { if (event.data && event.data.size) state.chunks.push(event.data); };
      media.onstop = () => {
        stream.getTracks().forEach((track) => track.stop());
        clearInterval(state.timer);
        const mime = (media.mimeType || type || "audio/webm").split(";")[0];
        if (state.keep && state.chunks.length) {
          const stamp = new Date(state.startedAt).toTimeString().slice(0, 8).replace(/:/g, "");
          attach(new Blob(state.chunks, { type: mime }), `${TEXT.recordings}-${stamp}.${EXTENSIONS[mime] || "webm"}`,
            (Date.now() - state.startedAt) / 1000);
        }
        resolve();
      };
    });
    recorder = state;
    media.start(1000);  // a chunk a second: a long recording is never one huge buffer
    state.timer = setInterval(showRecorder, 1000);
    showRecorder();
  }

  /** Stop the recorder and keep (or drop) what it recorded; resolves when the recording is attached. */
  async function stopRecorder(keep) {
    const state = recorder;
    if (!state) return;
    recorder = null;
    state.keep = keep;
    if (state.media.state !== "inactive") state.media.stop();
    else state.stream.getTracks().forEach((track) => track.stop());
    await state.done;
    showRecorder();
  }

  const discardRecorder = () => { if (recorder) stopRecorder(false); };

  recordButton.addEventListener("click", () => (recorder ? stopRecorder(true) : startRecorder()));

  $("#recording-file").addEventListener("change", (event) => {
    for (const file of event.target.files) attach(file, file.name || `${TEXT.recordings}`, null);
    event.target.value = "";  // the same file again, or another, can be added next
  });

  $("#recording-list").addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-recording]");
    if (!button) return;
    const [item] = attached.splice(Number(button.dataset.removeRecording), 1);
    if (item) URL.revokeObjectURL(item.url);
    renderAttached();
  });

  function clearErrors() {
    for (const box of $$("[data-error]", form)) box.textContent = "";
    for (const input of $$(".is-invalid", form)) input.classList.remove("is-invalid");
    $("#form-alert").classList.add("d-none");
  }

  function showErrors(errors) {
    const general = [];
    for (const [key, messages] of Object.entries(errors || {})) {
      const box = $(`[data-error="${key}"]`, form);
      const text = [].concat(messages).join(" ");
      if (box) {
        box.textContent = text;
        const input = $(`[data-field="${key}"] input, [data-field="${key}"] select, [data-field="${key}"] textarea`, form);
        if (input) input.classList.add("is-invalid");
      } else {
        general.push(text);
      }
    }
    const alert = $("#form-alert");
    alert.textContent = general.length ? general.join(" ") : TEXT.fix_errors;
    alert.classList.remove("d-none");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    for (const key of Object.keys(tagInputs)) if (tagInputs[key].value.trim()) addTag(key, tagInputs[key].value);
    const values = {
      pain_keywords: tags.pain_keywords.slice(), key_demands: tags.key_demands.slice(),
      committed_action: $("#committed-action").value.trim(),
      next_follow_up_at: $("#next-follow-up").value ? new Date($("#next-follow-up").value).toISOString() : null,
      focus_product: $("#focus-product").value ? Number($("#focus-product").value) : null,
      tomorrow_action: $("#tomorrow-action").value.trim(),
      competitor_price: $("#competitor-price").value === "" ? null : $("#competitor-price").value,
      stock_level: $("#stock-level").value === "" ? null : $("#stock-level").value,
      notes: $("#visit-notes").value.trim(),
      objection: $("#objection").value ? Number($("#objection").value) : null,
      previous_action_done: $("#previous-done").value === "" ? null : $("#previous-done").value === "true",
    };
    // V1: the three required fields, checked before anything is saved
    const missing = {};
    if (!values.pain_keywords.length) missing.pain_keywords = [fmt(TEXT.required, { field: fieldLabel("pain_keywords") })];
    if (!values.committed_action) missing.committed_action = [fmt(TEXT.required, { field: fieldLabel("committed_action") })];
    if (!values.next_follow_up_at) missing.next_follow_up_at = [fmt(TEXT.required, { field: fieldLabel("next_follow_up_at") })];
    if (Object.keys(missing).length) return showErrors(missing);
    const save_button = $("#form-save");
    save_button.disabled = true;
    try {
      await stopRecorder(true);  // saving while recording keeps what was said so far
      const visit = visits().find((v) => v.client_id === editing);
      const now = nowIso();
      Object.assign(visit, values, { status: "recorded", device_recorded_at: now,
        visited_at: visit.visited_at || visit.checked_in_at || now });
      const saved = await Q.saveVisit(payloadOf(visit));
      const server = serverVisit(visit.client_id);
      const visitId = saved.id || (server ? server.id : null);
      for (const input of $$("[data-photo-kind]")) {
        for (const file of input.files) {
          await Q.savePhoto({ visitClientId: visit.client_id, visitId, kind: input.dataset.photoKind, file });
        }
      }
      for (const item of attached) {
        await Q.saveRecording({ visitClientId: visit.client_id, visitId, file: item.blob, name: item.name,
          seconds: item.seconds });
      }
      await refreshQueue(null);
      const clientId = visit.client_id;
      const outcome = await syncNow();
      const item = queued.get(clientId);
      if (item && (item.state === "rejected" || item.state === "conflict")) {
        openForm(clientId);  // the server's reasons, each on its field
        return;
      }
      closeForm();
      notice(outcome.offline || (item && item.state === "pending") ? TEXT.saved_offline : TEXT.saved);
    } finally {
      save_button.disabled = false;
    }
  });

  // ---------------------------------------------------------------------------------------------------------
  // Start: the service worker, the day's data, the retry clock

  window.addEventListener("online", () => { renderBadge(); syncNow(); });
  window.addEventListener("offline", () => render());
  window.addEventListener("resize", () => chart && chart.resize());

  async function start() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(URLS.sw, { scope: URLS.scope }).catch(() => { /* the page still works online */ });
    }
    await loadData();
    render();
    await syncNow();
    clearInterval(syncTimer);
    syncTimer = setInterval(() => { if (queuedPending()) syncNow(); }, (data.settings.sync_retry_seconds || 30) * 1000);
    document.body.dataset.repReady = "1";
  }

  start().catch((error) => notice(String(error)));
})();
