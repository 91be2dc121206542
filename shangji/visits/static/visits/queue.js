/* The phone's outbox for visits and photos (V5), kept in IndexedDB so nothing is lost when the page closes.

   visits store (key client_id): {client_id, payload, rev, state, errors, id, version}
     state "pending"  — waiting to be sent;  "conflict" / "rejected" — the server said no, kept for the rep;
           "synced"   — accepted; kept until the downloaded day data has caught up with it (so a reload offline
                        still shows it and the next edit is based on the right version).
   photos store (key client_id): {client_id, visit_client_id, visit_id, kind, blob, name, state, errors}
   recordings store (key client_id): {client_id, visit_client_id, visit_id, blob, name, seconds, state, errors}
   Photos and recordings ("attachments") wait until the server knows their visit, then go one by one.

   Items belong to the user who saved them (`owner`): on a shared phone the next user's session never sends them.
   Every visit and photo carries an id made on the phone; the server is idempotent by it, so a retry after a lost
   answer never makes a second row. */
"use strict";

window.VisitQueue = (() => {
  const DB_NAME = "sj-visits";
  const ATTACHMENTS = ["photos", "recordings"];  // store name = the API's action under /api/visits/{id}/
  let opening = null;

  function open() {
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        // Version 2 added the recordings; a phone coming from version 1 keeps its visits and photos.
        const request = indexedDB.open(DB_NAME, 2);
        request.onupgradeneeded = () => {
          const db = request.result;
          for (const store of ["visits", ...ATTACHMENTS]) {
            if (!db.objectStoreNames.contains(store)) db.createObjectStore(store, { keyPath: "client_id" });
          }
        };
        request.onsuccess = () => {
          const db = request.result;
          // A newer page (after a deploy) upgrading the database waits for this one to let go.
          db.onversionchange = () => { db.close(); opening = null; };
          resolve(db);
        };
        request.onerror = () => reject(request.error);
      });
    }
    return opening;
  }

  async function run(store, mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(store, mode);
      const result = work(tx.objectStore(store));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  let owner = null;
  const all = async (store) => (await run(store, "readonly", (s) => s.getAll())).filter((i) => i.owner === owner);
  const get = async (store, key) => {
    const item = await run(store, "readonly", (s) => s.get(key));
    return item && item.owner === owner ? item : undefined;
  };
  const put = (store, value) => run(store, "readwrite", (s) => s.put(value));
  const remove = (store, key) => run(store, "readwrite", (s) => s.delete(key));

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Plain-http LAN demos have no randomUUID (secure contexts only); the same version-4 layout by hand.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** Read, change and write one item in one transaction, so a save on the phone and a sync answer arriving at the
      same moment never overwrite each other. `change` gets the item (or undefined) and returns what to store. */
  function update(store, key, change) {
    return run(store, "readwrite", (s) => {
      const box = { result: undefined };
      const request = s.get(key);
      request.onsuccess = () => {
        const current = request.result && request.result.owner === owner ? request.result : undefined;
        const next = change(current);
        if (next) {
          s.put(next);
          box.result = next;
        }
      };
      return box;
    });
  }

  /** Forget a visit the server has caught up with — unless it was edited again since it was read. */
  function forgetSynced(clientId, rev) {
    return run("visits", "readwrite", (s) => {
      const request = s.get(clientId);
      request.onsuccess = () => {
        const item = request.result;
        if (item && item.owner === owner && item.state === "synced" && item.rev === rev) s.delete(clientId);
      };
    });
  }

  /** Save the phone's full copy of a visit (the sync replaces every field, so the payload is always whole). */
  function saveVisit(payload) {
    return update("visits", payload.client_id, (existing) => ({
      owner, client_id: payload.client_id, payload, rev: (existing ? existing.rev : 0) + 1, state: "pending", errors: {},
      id: existing ? existing.id : null, version: existing ? existing.version : null,
    }));
  }

  async function savePhoto({ visitClientId, visitId, kind, file }) {
    const item = {
      owner, client_id: newId(), visit_client_id: visitClientId, visit_id: visitId || null, kind,
      blob: file, name: file.name || "photo.jpg", state: "pending", errors: {},
    };
    await put("photos", item);
    return item;
  }

  async function saveRecording({ visitClientId, visitId, file, name, seconds }) {
    const item = {
      owner, client_id: newId(), visit_client_id: visitClientId, visit_id: visitId || null,
      blob: file, name: name || file.name || "recording", seconds: seconds == null ? null : seconds,
      state: "pending", errors: {},
    };
    await put("recordings", item);
    return item;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  class Offline extends Error {}
  class SessionExpired extends Error {}

  async function post(url, body, json) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST", credentials: "same-origin", body: json ? JSON.stringify(body) : body,
        headers: Object.assign({ "X-CSRFToken": csrfToken(), "Accept": "application/json" },
          json ? { "Content-Type": "application/json" } : {}),
      });
    } catch (error) {
      throw new Offline(String(error));
    }
    const type = response.headers.get("Content-Type") || "";
    if (response.redirected || !type.includes("json") || response.status === 401) {
      if (response.status >= 500) throw new Offline(String(response.status));  // a proxy's error page: retry later
      throw new SessionExpired(String(response.status));
    }
    if (response.status >= 500) throw new Offline(String(response.status));
    return { status: response.status, body: await response.json() };
  }

  // Errors in the project's API form {code, message, fields} → {field: [messages]}.
  function fieldErrors(body) {
    if (body && body.fields && Object.keys(body.fields).length) return body.fields;
    return { __all__: [body && body.message ? body.message : String(body)] };
  }

  let running = null;
  let again = false;

  /** Send what waits: visits in batches, then photos and recordings of visits the server knows. One run at a time; a call during a
      run makes one more run after it. Returns {sent, offline, expired}. */
  function sync(options) {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let outcome;
      do {
        again = false;
        outcome = await syncOnce(options);
      } while (again && !outcome.offline && !outcome.expired);
      return outcome;
    })().finally(() => { running = null; });
    return running;
  }

  async function syncOnce({ urls, batchSize }) {
    const outcome = { sent: 0, offline: false, expired: false };
    try {
      const pending = (await all("visits")).filter((item) => item.state === "pending");
      for (let start = 0; start < pending.length; start += batchSize) {
        const batch = pending.slice(start, start + batchSize);
        const answer = await post(urls.sync, { visits: batch.map((item) => item.payload) }, true);
        if (answer.status !== 200) {
          for (const item of batch) await markVisit(item, "rejected", null, fieldErrors(answer.body));
          continue;
        }
        for (const result of answer.body.results) {
          const item = batch.find((candidate) => candidate.client_id === result.client_id);
          if (!item) continue;
          if (["created", "updated", "unchanged"].includes(result.outcome)) {
            await markVisit(item, "synced", result, {});
            outcome.sent += 1;
          } else {
            await markVisit(item, result.outcome === "conflict" ? "conflict" : "rejected", result, result.errors);
          }
        }
      }
      for (const store of ATTACHMENTS) {
        const waiting = (await all(store)).filter((item) => item.state === "pending" && item.visit_id);
        for (const attachment of waiting) {
          const form = new FormData();
          form.append("file", attachment.blob, attachment.name);
          if (attachment.kind) form.append("kind", attachment.kind);
          form.append("client_id", attachment.client_id);
          const answer = await post(urls[store].replace("/0/", `/${attachment.visit_id}/`), form, false);
          if (answer.status === 200 || answer.status === 201) {
            await remove(store, attachment.client_id);
            outcome.sent += 1;
          } else {
            attachment.state = "rejected";
            attachment.errors = fieldErrors(answer.body);
            await put(store, attachment);
          }
        }
      }
    } catch (error) {
      if (error instanceof Offline) outcome.offline = true;
      else if (error instanceof SessionExpired) outcome.expired = true;
      else throw error;
    }
    return outcome;
  }

  async function markVisit(sent, state, result, errors) {
    const item = await update("visits", sent.client_id, (item) => {
      if (!item) return null;
      if (result && result.id) {
        item.id = result.id;
        item.version = result.version;
      }
      if (state === "synced") {
        item.synced_at = Date.now();
        item.payload.version = result.version;
      }
      // Edited on the phone while this copy was on its way: the edit stays pending, based on what the server
      // just accepted.
      if (item.rev === sent.rev) {
        item.state = state;
        item.errors = errors || {};
      }
      return item;
    });
    if (!item || !(result && result.id)) return;
    // Photos and recordings saved before the server knew the visit can go now.
    for (const store of ATTACHMENTS) {
      for (const attachment of await all(store)) {
        if (attachment.visit_client_id === item.client_id && !attachment.visit_id) {
          await update(store, attachment.client_id, (current) => current && Object.assign(current, { visit_id: result.id }));
        }
      }
    }
  }

  return {
    setOwner: (id) => { owner = id; },
    newId, saveVisit, savePhoto, saveRecording, sync, csrfToken, forgetSynced,
    visits: () => all("visits"),
    photos: () => all("photos"),
    recordings: () => all("recordings"),
    getVisit: (key) => get("visits", key),
    putVisit: (item) => put("visits", item),
    discardVisit: async (clientId) => {
      await remove("visits", clientId);
      for (const store of ATTACHMENTS) {
        for (const attachment of await all(store)) {
          if (attachment.visit_client_id === clientId && !attachment.visit_id) await remove(store, attachment.client_id);
        }
      }
    },
    discardPhoto: (clientId) => remove("photos", clientId),
    discardRecording: (clientId) => remove("recordings", clientId),
  };
})();
