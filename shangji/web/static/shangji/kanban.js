// Kanban drag-and-drop: moving a card posts the stage change; the server's answer decides.
// P2: a move first shows the stage's exit checklist (when it has one); unmet items block the move.
(function () {
  const board = document.getElementById("kanban");
  if (!board || !window.Sortable) return;
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]")?.value
    || JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  const errorBox = document.getElementById("kanban-error");
  const lostModalEl = document.getElementById("lost-modal");
  const gateModalEl = document.getElementById("gate-modal");

  function showError(message) {
    errorBox.textContent = message;
    errorBox.classList.remove("d-none");
  }

  function askLostReason() {
    return new Promise((resolve) => {
      const modal = bootstrap.Modal.getOrCreateInstance(lostModalEl);
      const ok = document.getElementById("lost-ok");
      const done = (value) => { ok.onclick = null; lostModalEl.removeEventListener("hidden.bs.modal", cancel); modal.hide(); resolve(value); };
      const cancel = () => done(null);
      ok.onclick = () => done(document.getElementById("lost-reason").value);
      lostModalEl.addEventListener("hidden.bs.modal", cancel, { once: true });
      modal.show();
    });
  }

  // Resolves true when the move may go ahead: no checklist, or every item met and the user confirmed.
  async function confirmGates(card, stageId) {
    let html;
    try {
      const response = await fetch(`${card.dataset.gates}?stage=${encodeURIComponent(stageId)}`,
        { headers: { "Accept": "text/html" } });
      if (!response.ok) return true;  // the move's own answer will say what is wrong
      html = await response.text();
    } catch (error) {
      return true;
    }
    const body = document.getElementById("gate-body");
    body.innerHTML = html;
    const checklist = body.querySelector(".sj-gate-checklist");
    if (!checklist || checklist.dataset.gated !== "1") return true;
    const met = checklist.dataset.met === "1";
    const ok = document.getElementById("gate-ok");
    ok.classList.toggle("d-none", !met);
    return new Promise((resolve) => {
      const modal = bootstrap.Modal.getOrCreateInstance(gateModalEl);
      let decided = false;
      const done = (value) => {
        if (decided) return;
        decided = true;
        ok.onclick = null;
        modal.hide();
        resolve(value);
      };
      ok.onclick = () => done(true);
      gateModalEl.addEventListener("hidden.bs.modal", () => done(false), { once: true });
      modal.show();
    });
  }

  function snapBack(event) {
    event.from.insertBefore(event.item, event.from.children[event.oldIndex] || null);
  }

  function adjust(column, delta) {
    const count = column.querySelector(".col-count");
    count.textContent = String(Math.max(0, parseInt(count.textContent.replace(/,/g, ""), 10) + delta));
  }

  async function move(event) {
    const card = event.item;
    const from = event.from.closest(".sj-column");
    const to = event.to.closest(".sj-column");
    if (from === to) return;
    const body = new URLSearchParams({ stage: to.dataset.stage, version: card.dataset.version });
    if (to.dataset.lost === "1") {
      const reason = await askLostReason();
      if (!reason) { snapBack(event); return; }
      body.set("lost_reason", reason);
    } else if (!(await confirmGates(card, to.dataset.stage))) {
      snapBack(event);
      return;
    }
    const response = await fetch(card.dataset.move, {
      method: "POST", body, headers: { "X-CSRFToken": csrf, "Accept": "application/json" },
    });
    const answer = await response.json().catch(() => ({ message: board.dataset.networkError }));
    if (!response.ok) {
      // e.g. 400 gate_not_met (the checklist changed meanwhile), 409 conflict, 403: the card goes back.
      snapBack(event);
      showError(answer.message);
      return;
    }
    card.dataset.version = answer.version;
    adjust(from, -1);
    adjust(to, +1);
    errorBox.classList.add("d-none");
    // Sums are recomputed by the server: reload the column figures without losing the scroll position.
    fetch(window.location.href, { headers: { "Accept": "text/html" } }).then((r) => r.text()).then((html) => {
      const doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll(".sj-column").forEach((fresh) => {
        const mine = board.querySelector(`.sj-column[data-stage="${fresh.dataset.stage}"]`);
        if (mine) {
          mine.querySelector(".col-sum").textContent = fresh.querySelector(".col-sum").textContent;
          mine.querySelector(".col-count").textContent = fresh.querySelector(".col-count").textContent;
        }
      });
    });
  }

  board.querySelectorAll(".sj-column-body").forEach((body) => {
    Sortable.create(body, { group: "kanban", animation: 150, draggable: ".sj-card", delay: 150,
      delayOnTouchOnly: true, onEnd: move });
  });
})();
