/* The no-code rule builder: conditions and actions are picked from drop-downs built from the field catalog
   the page embeds; the script keeps them as data and writes JSON into hidden inputs on submit. */
(function () {
  "use strict";
  const catalogs = JSON.parse(document.getElementById("rule-catalogs").textContent);
  const T = JSON.parse(document.getElementById("rule-texts").textContent);
  const form = document.getElementById("rule-form");
  const entitySelect = form.elements.entity;
  const triggerSelect = form.elements.trigger;
  const NO_VALUE = ["empty", "not_empty", "is_true", "is_false", "changed"];
  const DAYS = ["days_ago_gte", "days_ago_lt", "days_ahead_lte"];
  const LIST = ["in", "not_in"];
  let cat = catalogs[entitySelect.value];
  const state = {
    start_conditions: read("start_conditions", {}),
    conditions: read("conditions", {}),
    actions: read("actions", []),
  };

  function read(name, empty) {
    try { const value = JSON.parse(form.elements[name].value || "null"); return value || empty; }
    catch (e) { return empty; }
  }
  function group(tree) { return tree && tree.items ? tree : { match: "all", items: [] }; }
  function h(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "className") node.className = value;
      else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
    });
    (children || []).forEach((child) => node.append(child instanceof Node ? child : document.createTextNode(child)));
    return node;
  }
  function select(options, value, onchange, extra) {
    const node = h("select", Object.assign({ className: "form-select form-select-sm", onchange }, extra || {}));
    options.forEach(([v, label]) => {
      const option = h("option", { value: v }, [label]);
      if (String(v) === String(value)) option.selected = true;
      node.append(option);
    });
    return node;
  }
  function field(key) { return cat.fields.find((f) => f.key === key); }
  function settingsFor(kind) { return cat.settings.filter((s) => !kind || s.kind === kind); }

  /* ---------- conditions ---------- */
  function renderGroup(tree, container, depth, onRemove) {
    const box = h("div", { className: "sj-cond-group border rounded p-2 mb-2" + (depth ? " bg-light" : "") });
    const head = h("div", { className: "d-flex gap-2 align-items-center mb-2" }, [
      select([["all", T.match_all], ["any", T.match_any]], tree.match, (e) => { tree.match = e.target.value; },
             { "aria-label": T.match, style: "max-width: 12em" }),
    ]);
    if (onRemove) head.append(h("button", { type: "button", className: "btn btn-sm btn-outline-danger ms-auto",
                                            onclick: onRemove }, [T.remove_group]));
    box.append(head);
    tree.items.forEach((item, index) => {
      const remove = () => { tree.items.splice(index, 1); rerender(); };
      if (item.items) renderGroup(item, box, depth + 1, remove);
      else box.append(renderLeaf(item, remove));
    });
    const add = h("div", { className: "d-flex gap-2" }, [
      h("button", { type: "button", className: "btn btn-sm btn-outline-primary", onclick: () => {
        const first = cat.fields[0];
        tree.items.push({ field: first.key, op: first.ops[0] });
        rerender();
      } }, ["+ " + T.add_condition]),
    ]);
    if (depth < 3) add.append(h("button", { type: "button", className: "btn btn-sm btn-outline-secondary", onclick: () => {
      tree.items.push({ match: "any", items: [] }); rerender();
    } }, ["+ " + T.add_group]));
    box.append(add);
    container.append(box);
  }

  function renderLeaf(leaf, onRemove) {
    const spec = field(leaf.field);
    const row = h("div", { className: "d-flex flex-wrap gap-2 align-items-center mb-2 sj-cond-row" });
    const fieldOptions = cat.fields.map((f) => [f.key, f.label]);
    if (!spec) fieldOptions.unshift([leaf.field, T.missing_field + leaf.field]);
    row.append(select(fieldOptions, leaf.field, (e) => {
      const next = field(e.target.value);
      leaf.field = next.key; leaf.op = next.ops[0]; delete leaf.value; rerender();
    }, { "aria-label": T.field, style: "max-width: 14em" }));
    if (spec) {
      row.append(select(spec.ops.map((op) => [op, cat.ops[op]]), leaf.op, (e) => {
        leaf.op = e.target.value; delete leaf.value; rerender();
      }, { "aria-label": T.op, style: "max-width: 11em" }));
      const editor = valueEditor(spec, leaf);
      if (editor) row.append(editor);
    }
    row.append(h("button", { type: "button", className: "btn btn-sm btn-link text-danger", onclick: onRemove,
                             "aria-label": T.remove }, ["✕"]));
    return row;
  }

  function valueEditor(spec, leaf) {
    if (NO_VALUE.includes(leaf.op)) return null;
    if (DAYS.includes(leaf.op)) return numberOrSetting(leaf, "int", T.days);
    if (spec.options && (LIST.includes(leaf.op) || ["choice", "user", "multi"].includes(spec.type))) {
      if (LIST.includes(leaf.op)) {
        const chosen = Array.isArray(leaf.value) ? leaf.value.map(String) : [];
        const node = h("select", { className: "form-select form-select-sm", multiple: true, size: 4,
                                   "aria-label": T.value, style: "max-width: 16em", onchange: (e) => {
          leaf.value = Array.from(e.target.selectedOptions).map((o) => o.value);
        } });
        spec.options.forEach(([v, label]) => {
          const option = h("option", { value: v }, [label]);
          option.selected = chosen.includes(String(v));
          node.append(option);
        });
        return node;
      }
      if (leaf.value === undefined && spec.options.length) leaf.value = spec.options[0][0];
      return select(spec.options, leaf.value, (e) => { leaf.value = e.target.value; },
                    { "aria-label": T.value, style: "max-width: 14em" });
    }
    if (spec.type === "number" || spec.type === "money") return numberOrSetting(leaf, null, spec.type === "money" ? T.yuan : "");
    if (spec.type === "date" || spec.type === "datetime") {
      return h("input", { type: "date", className: "form-control form-control-sm", value: leaf.value || "",
                          "aria-label": T.value, style: "max-width: 11em",
                          oninput: (e) => { leaf.value = e.target.value; } });
    }
    return h("input", { type: "text", className: "form-control form-control-sm", value: leaf.value || "",
                        "aria-label": T.value, style: "max-width: 16em",
                        oninput: (e) => { leaf.value = e.target.value; } });
  }

  function numberOrSetting(leaf, kind, unit) {
    const usesSetting = leaf.value && typeof leaf.value === "object";
    const wrap = h("span", { className: "d-inline-flex gap-1 align-items-center" });
    const number = h("input", { type: "number", step: "any", className: "form-control form-control-sm",
                                value: usesSetting ? "" : (leaf.value || ""), "aria-label": T.value,
                                style: "max-width: 9em", disabled: usesSetting,
                                oninput: (e) => { leaf.value = e.target.value; } });
    const settingOptions = [["", T.or_setting]].concat(settingsFor(kind).map((s) => [s.key, s.label + (s.unit ? "（" + s.unit + "）" : "")]));
    const chooser = select(settingOptions, usesSetting ? leaf.value.setting : "", (e) => {
      leaf.value = e.target.value ? { setting: e.target.value } : ""; rerender();
    }, { "aria-label": T.or_setting, style: "max-width: 14em" });
    wrap.append(number);
    if (unit) wrap.append(h("span", { className: "small" }, [unit]));
    wrap.append(chooser);
    return wrap;
  }

  /* ---------- actions ---------- */
  function renderActions(container) {
    state.actions.forEach((action, index) => {
      const card = h("div", { className: "border rounded p-2 mb-2 sj-action" });
      const head = h("div", { className: "d-flex gap-2 align-items-center mb-2" }, [
        h("span", { className: "badge text-bg-primary" }, [String(index + 1)]),
        select(Object.entries(cat.actions), action.type, (e) => {
          state.actions[index] = defaultAction(e.target.value); rerender();
        }, { "aria-label": T.action_type, style: "max-width: 12em" }),
        h("button", { type: "button", className: "btn btn-sm btn-link text-danger ms-auto",
                      onclick: () => { state.actions.splice(index, 1); rerender(); } }, [T.remove]),
      ]);
      card.append(head, actionBody(action));
      container.append(card);
    });
    container.append(h("button", { type: "button", className: "btn btn-sm btn-outline-primary", onclick: () => {
      state.actions.push(defaultAction("notify")); rerender();
    } }, ["+ " + T.add_action]));
  }

  function defaultAction(type) {
    if (type === "notify" || type === "create_task") return { type, to: [{ kind: "owner" }], title: "", body: "" };
    if (type === "escalate") return { type, levels: 1, title: "", body: "" };
    if (type === "assign") return { type, to: { kind: "manager", levels: 1 } };
    if (type === "set_field") { const f = cat.fields.find((x) => x.settable); return { type, field: f ? f.key : "", value: "" }; }
    if (type === "freeze" || type === "unfreeze") return { type, operation: "move", reason: "" };
    if (type === "webhook") return { type, subscription: cat.subscriptions.length ? cat.subscriptions[0][0] : "" };
    return { type };
  }

  function labelled(label, control) {
    return h("label", { className: "d-flex flex-wrap gap-2 align-items-center mb-2 small" }, [
      h("span", { className: "text-nowrap", style: "min-width: 5em" }, [label]), control]);
  }

  function text(action, key, label, multiline) {
    const attrs = { className: "form-control form-control-sm", "aria-label": label,
                    oninput: (e) => { action[key] = e.target.value; } };
    const control = multiline ? h("textarea", Object.assign({ rows: 2 }, attrs)) : h("input", Object.assign({ type: "text" }, attrs));
    control.value = action[key] || "";
    return labelled(label, h("div", { className: "flex-grow-1" }, [control]));
  }

  function recipientEditor(recipient, onRemove) {
    const row = h("div", { className: "d-flex gap-2 align-items-center mb-1" });
    row.append(select(Object.entries(cat.recipients), recipient.kind, (e) => {
      Object.keys(recipient).forEach((k) => delete recipient[k]);
      recipient.kind = e.target.value;
      if (recipient.kind === "role") recipient.role = "presales";
      if (recipient.kind === "manager") recipient.levels = 1;
      if (recipient.kind === "user") recipient.user = cat.users.length ? cat.users[0][0] : "";
      rerender();
    }, { "aria-label": T.recipient, style: "max-width: 13em" }));
    if (recipient.kind === "role") row.append(select(cat.roles, recipient.role, (e) => { recipient.role = e.target.value; },
                                                     { "aria-label": T.role, style: "max-width: 10em" }));
    if (recipient.kind === "manager") row.append(select([[1, T.level + " 1"], [2, T.level + " 2"], [3, T.level + " 3"]],
      recipient.levels, (e) => { recipient.levels = Number(e.target.value); }, { "aria-label": T.level, style: "max-width: 8em" }));
    if (recipient.kind === "user") row.append(select(cat.users, recipient.user, (e) => { recipient.user = e.target.value; },
                                                     { "aria-label": T.user, style: "max-width: 12em" }));
    if (onRemove) row.append(h("button", { type: "button", className: "btn btn-sm btn-link text-danger", onclick: onRemove,
                                           "aria-label": T.remove }, ["✕"]));
    return row;
  }

  function actionBody(action) {
    const body = h("div");
    if (action.type === "notify" || action.type === "create_task") {
      const list = h("div", { className: "flex-grow-1" });
      action.to = action.to || [];
      action.to.forEach((recipient, i) => list.append(recipientEditor(recipient, action.to.length > 1 ? () => {
        action.to.splice(i, 1); rerender(); } : null)));
      list.append(h("button", { type: "button", className: "btn btn-sm btn-link p-0", onclick: () => {
        action.to.push({ kind: "owner" }); rerender(); } }, ["+ " + T.add_recipient]));
      body.append(labelled(T.to, list), text(action, "title", T.title), text(action, "body", T.body, true));
      if (action.type === "create_task") {
        const usesSetting = !!action.due_setting;
        const wrap = h("span", { className: "d-inline-flex gap-1 align-items-center" }, [
          h("input", { type: "number", min: 1, className: "form-control form-control-sm", style: "max-width: 7em",
                       value: usesSetting ? "" : (action.due_value || ""), disabled: usesSetting, "aria-label": T.due,
                       oninput: (e) => { action.due_value = e.target.value; } }),
          h("span", { className: "small" }, [T.hours]),
          select([["", T.or_setting]].concat(settingsFor("int").map((s) => [s.key, s.label])), action.due_setting || "",
                 (e) => { action.due_setting = e.target.value; if (e.target.value) delete action.due_value; rerender(); },
                 { "aria-label": T.or_setting, style: "max-width: 14em" }),
        ]);
        body.append(labelled(T.due, wrap));
      }
      body.append(h("div", { className: "small sj-muted" }, [T.placeholders]));
    } else if (action.type === "escalate") {
      body.append(labelled(T.levels, select([[1, "1"], [2, "2"], [3, "3"]], action.levels,
        (e) => { action.levels = Number(e.target.value); }, { "aria-label": T.levels, style: "max-width: 6em" })),
        text(action, "title", T.title), text(action, "body", T.body, true),
        h("div", { className: "small sj-muted" }, [T.placeholders]));
    } else if (action.type === "assign") {
      action.to = action.to || { kind: "manager", levels: 1 };
      body.append(labelled(T.assign_to, recipientEditor(action.to, null)));
    } else if (action.type === "set_field") {
      const settable = cat.fields.filter((f) => f.settable);
      const spec = field(action.field);
      body.append(labelled(T.field, select(settable.map((f) => [f.key, f.label]), action.field, (e) => {
        action.field = e.target.value; action.value = ""; rerender();
      }, { "aria-label": T.field, style: "max-width: 14em" })));
      if (spec) {
        let control;
        if (spec.type === "bool") {
          if (action.value === "" || action.value === undefined) action.value = true;
          control = select([["true", T.yes], ["false", T.no]], String(action.value), (e) => { action.value = e.target.value === "true"; });
        } else if (spec.options) {
          if (!action.value && spec.options.length) action.value = spec.options[0][0];
          control = select(spec.options, action.value, (e) => { action.value = e.target.value; });
        } else {
          control = h("input", { type: spec.type === "date" ? "date" : (spec.type === "number" || spec.type === "money") ? "number" : "text",
                                 className: "form-control form-control-sm", value: action.value || "", "aria-label": T.value,
                                 oninput: (e) => { action.value = e.target.value; } });
        }
        body.append(labelled(T.value, control));
      }
    } else if (action.type === "freeze" || action.type === "unfreeze") {
      body.append(labelled(T.operation, select(Object.entries(cat.freezable), action.operation,
        (e) => { action.operation = e.target.value; }, { "aria-label": T.operation, style: "max-width: 10em" })));
      if (action.type === "freeze") body.append(text(action, "reason", T.reason));
    } else if (action.type === "webhook") {
      body.append(cat.subscriptions.length
        ? labelled(T.subscription, select(cat.subscriptions, action.subscription, (e) => { action.subscription = e.target.value; },
                                          { "aria-label": T.subscription, style: "max-width: 16em" }))
        : h("div", { className: "small text-danger" }, [T.no_subscriptions]));
    }
    return body;
  }

  /* ---------- page ---------- */
  function rerender() {
    const timed = triggerSelect.value === "time_elapsed";
    document.getElementById("timing").hidden = !timed;
    state.start_conditions = group(state.start_conditions);
    state.conditions = group(state.conditions);
    const start = document.getElementById("start-conditions-builder");
    start.replaceChildren();
    renderGroup(state.start_conditions, start, 0, null);
    const conditions = document.getElementById("conditions-builder");
    conditions.replaceChildren();
    renderGroup(state.conditions, conditions, 0, null);
    const actions = document.getElementById("actions-builder");
    actions.replaceChildren();
    renderActions(actions);
  }

  entitySelect.addEventListener("change", () => {
    cat = catalogs[entitySelect.value];
    state.start_conditions = {}; state.conditions = {}; state.actions = [defaultAction("notify")];
    rerender();
  });
  triggerSelect.addEventListener("change", rerender);
  form.addEventListener("submit", () => {
    const timed = triggerSelect.value === "time_elapsed";
    form.elements.conditions.value = JSON.stringify(state.conditions);
    form.elements.start_conditions.value = timed ? JSON.stringify(state.start_conditions) : "{}";
    form.elements.actions.value = JSON.stringify(state.actions);
  });
  rerender();
})();
