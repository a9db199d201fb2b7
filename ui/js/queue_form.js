// The account form's skill queues ([accounts.queues], for vendors whose form lists the
// "queues" section) and team counts ([accounts.team], every vendor): thresholds, and the
// skills picked from those the account lists (list_skills). The core checks the same rules
// again on save and names the key at fault.
import { call, describeError } from "./api.js";
import { h, $ } from "./dom.js";
import { limitSeconds } from "./time_limits.js";

let hooks = null; // { account(), secrets() } from the account form
let queuesOffered = false;
let queues = null; // { on, all, skills: [{id, name}], waiting: {warning, critical}, longest: {...}, noFree }
let teamRows = []; // [{ kind: "min" | "max", state, warning, critical }]
let listed = []; // skills the account listed, for the picker

const blankQueues = () => ({
  on: false,
  all: true,
  skills: [],
  waiting: { warning: "", critical: "" },
  longest: { warning: "", critical: "" },
  noFree: "critical",
});

export function initQueueForm(formHooks) {
  hooks = formHooks;
  $("#acc-queues-on").addEventListener("change", (e) => {
    queues.on = e.target.checked;
    show("queues", null);
    renderQueues();
  });
  $("#acc-team-add").addEventListener("click", () => {
    teamRows.push({ kind: "min", state: "", warning: "", critical: "" });
    renderTeam();
    $("#acc-team-list li:last-child input")?.focus();
  });
}

/// Fills both sections from an account (the one edited, or a new one) and its vendor's form.
export function drawQueueForm(account, vendorForm) {
  const q = account.queues;
  queues = blankQueues();
  if (q) {
    queues.on = true;
    const ids = Array.isArray(q.skills) ? q.skills : [];
    queues.all = ids.length === 0;
    queues.skills = ids.map((id) => ({ id: String(id), name: null }));
    queues.waiting = { warning: text(q.waiting?.warning), critical: text(q.waiting?.critical) };
    queues.longest = { warning: text(q.longest_wait?.warning), critical: text(q.longest_wait?.critical) };
    queues.noFree = q.no_free_agent || "critical";
  }
  const t = account.team || {};
  teamRows = [
    ...Object.entries(t.min_in_state || {}).map(([state, l]) => ({ kind: "min", state, warning: text(l.warning), critical: text(l.critical) })),
    ...Object.entries(t.max_in_state || {}).map(([state, l]) => ({ kind: "max", state, warning: text(l.warning), critical: text(l.critical) })),
  ];
  listed = [];
  setQueueVendor(vendorForm);
  renderTeam();
}

/// Another vendor was picked: offer the queues section only where the vendor has queues.
export function setQueueVendor(vendorForm) {
  queuesOffered = !!vendorForm && (vendorForm.sections || []).includes("queues");
  $("#acc-queues").hidden = !queuesOffered;
  renderQueues();
}

const text = (v) => (v === undefined || v === null ? "" : String(v));

function numberInput(obj, key, label, placeholder) {
  return h("input", {
    value: obj[key],
    placeholder,
    inputmode: "numeric",
    "aria-label": label,
    autocomplete: "off",
    oninput: (e) => {
      obj[key] = e.target.value;
      show("queues", null);
    },
  });
}

function renderQueues() {
  const box = $("#acc-queues-body");
  if (!box) return;
  if (!queues) queues = blankQueues();
  $("#acc-queues-on").checked = queues.on;
  box.hidden = !queues.on;
  const skillChips = queues.skills.map((s) =>
    h(
      "li",
      {},
      s.name ? `${s.name} (${s.id})` : `skill ${s.id}`,
      h("button", { type: "button", "aria-label": `Stop watching skill ${s.name || s.id}`, onclick: () => removeSkill(s.id) }, "×"),
    ),
  );
  box.replaceChildren(
    h(
      "div",
      { class: "queue-skills" },
      h(
        "label",
        { class: "check" },
        h("input", {
          type: "checkbox",
          id: "acc-queues-all",
          checked: queues.all,
          onchange: (e) => {
            queues.all = e.target.checked;
            show("queues", null);
            renderQueues();
          },
        }),
        "Every skill queue of the seat's VDN",
      ),
      queues.all ? null : h("ul", { class: "chips", id: "acc-queues-skills", "aria-label": "Skill queues watched" }, ...skillChips),
      h("button", { type: "button", class: "btn small", id: "acc-queues-pick", onclick: openPicker }, "Pick skills…"),
      h("div", { class: "skill-picker", id: "acc-queues-picker", hidden: true }),
    ),
    h(
      "div",
      { class: "queue-thresholds" },
      h("span", { class: "qt-head" }, ""),
      h("span", { class: "qt-head" }, "Warning at"),
      h("span", { class: "qt-head" }, "Critical at"),
      h("label", {}, "Calls waiting"),
      numberInput(queues.waiting, "warning", "Calls waiting: warning at", "2"),
      numberInput(queues.waiting, "critical", "Calls waiting: critical at", "5"),
      h("label", {}, "Longest wait"),
      numberInput(queues.longest, "warning", "Longest wait: warning at", "60s"),
      numberInput(queues.longest, "critical", "Longest wait: critical at", "3m"),
      h("label", { for: "acc-queues-nofree" }, "Calls waiting, no agent free"),
      (() => {
        const select = h(
          "select",
          { id: "acc-queues-nofree", onchange: (e) => (queues.noFree = e.target.value) },
          h("option", { value: "critical" }, "critical"),
          h("option", { value: "warning" }, "warning"),
          h("option", { value: "off" }, "not a problem"),
        );
        select.value = queues.noFree;
        return select;
      })(),
      h("span", {}),
    ),
  );
}

function removeSkill(id) {
  queues.skills = queues.skills.filter((s) => s.id !== id);
  if (queues.skills.length === 0) queues.all = true;
  renderQueues();
}

async function openPicker() {
  const box = $("#acc-queues-picker");
  box.hidden = false;
  box.replaceChildren(h("p", { class: "hint" }, "Asking the account for its skill queues…"));
  $("#acc-queues-pick").disabled = true;
  try {
    const { secret, proxySecret } = hooks.secrets();
    listed = await call("list_skills", { account: hooks.account(), secret, proxySecret });
  } catch (err) {
    box.replaceChildren(h("p", { class: "msg", role: "alert" }, describeError(err)));
    return;
  } finally {
    $("#acc-queues-pick").disabled = false;
  }
  if (listed.length === 0) {
    box.replaceChildren(h("p", { class: "hint" }, "The account lists no skill queue."));
    return;
  }
  const picked = new Set(queues.all ? [] : queues.skills.map((s) => s.id));
  box.replaceChildren(
    h(
      "ul",
      { class: "skill-list", "aria-label": "Skill queues of the account" },
      ...listed.map((s) =>
        h(
          "li",
          {},
          h(
            "label",
            { class: "check" },
            h("input", {
              type: "checkbox",
              value: s.skill_id,
              checked: picked.has(s.skill_id),
              onchange: (e) => (e.target.checked ? picked.add(s.skill_id) : picked.delete(s.skill_id)),
            }),
            s.name ? `${s.name} (${s.skill_id})` : `skill ${s.skill_id}`,
          ),
        ),
      ),
    ),
    h(
      "div",
      { class: "picker-bar" },
      h(
        "button",
        {
          type: "button",
          class: "btn primary",
          id: "acc-queues-use",
          onclick: () => {
            queues.skills = listed.filter((s) => picked.has(s.skill_id)).map((s) => ({ id: s.skill_id, name: s.name || null }));
            queues.all = queues.skills.length === 0;
            renderQueues();
          },
        },
        "Watch the picked skills",
      ),
      h("button", { type: "button", class: "btn", onclick: () => ((queues.all = true), (queues.skills = []), renderQueues()) }, "Every skill"),
      h("button", { type: "button", class: "btn", onclick: () => ($("#acc-queues-picker").hidden = true) }, "Close"),
    ),
  );
}

function renderTeam() {
  const list = $("#acc-team-list");
  if (!list) return;
  const input = (row, key, label, placeholder) =>
    h("input", {
      value: row[key],
      placeholder,
      "aria-label": label,
      autocomplete: "off",
      spellcheck: "false",
      oninput: (e) => {
        row[key] = e.target.value;
        show("team", null);
      },
    });
  list.replaceChildren(
    ...teamRows.map((row, i) => {
      const kind = h(
        "select",
        { "aria-label": "At least or at most", onchange: (e) => (row.kind = e.target.value) },
        h("option", { value: "min" }, "at least"),
        h("option", { value: "max" }, "at most"),
      );
      kind.value = row.kind;
      return h(
        "li",
        { class: "team-row" },
        kind,
        input(row, "state", "State (label or native value)", "idle"),
        input(row, "warning", `Warning level (${row.state || "state"})`, row.kind === "min" ? "2" : "2"),
        input(row, "critical", `Critical level (${row.state || "state"})`, row.kind === "min" ? "1" : "3"),
        h(
          "button",
          {
            type: "button",
            class: "btn",
            "aria-label": `Remove the team limit for ${row.state || "this state"}`,
            onclick: () => {
              teamRows.splice(i, 1);
              renderTeam();
            },
          },
          "×",
        ),
      );
    }),
  );
}

function show(name, message) {
  const msg = $(`#acc-${name}-msg`);
  if (msg) msg.textContent = message || "";
  return !message;
}

const whole = (v) => /^\d+$/.test(String(v).trim());

/// Checks both sections in place; false (with the reason shown) when one is wrong.
export function checkQueueForm() {
  let ok = true;
  if (queuesOffered && queues?.on) {
    const { waiting, longest } = queues;
    const w = waiting.warning.trim();
    const c = waiting.critical.trim();
    const lw = longest.warning.trim() ? limitSeconds(longest.warning) : {};
    const lc = longest.critical.trim() ? limitSeconds(longest.critical) : {};
    let problem = null;
    if ((w && !whole(w)) || (c && !whole(c))) problem = "Calls waiting: write whole numbers, like 2 and 5";
    else if (w && c && Number(c) <= Number(w)) problem = "Calls waiting: the critical level must be higher than the warning level";
    else if (lw.error) problem = `Longest wait, warning: ${lw.error}`;
    else if (lc.error) problem = `Longest wait, critical: ${lc.error}`;
    else if (lw.secs && lc.secs && lc.secs <= lw.secs) problem = "Longest wait: the critical level must be longer than the warning level";
    else if (!queues.all && queues.skills.length === 0) problem = "Pick at least one skill, or watch every skill";
    ok = show("queues", problem) && ok;
  } else {
    show("queues", null);
  }
  const seen = new Set();
  let problem = null;
  for (const row of teamRows) {
    const state = row.state.trim();
    const w = row.warning.trim();
    const c = row.critical.trim();
    const key = `${row.kind}:${state.toLowerCase()}`;
    if (!state) problem = "Name the state of each team limit (its label, like idle, or its value)";
    else if (seen.has(key)) problem = `"${state}" has two ${row.kind === "min" ? "minimums" : "maximums"}`;
    else if (!w && !c) problem = `Give "${state}" a warning or a critical level`;
    else if ((w && !whole(w)) || (c && !whole(c))) problem = `${state}: write whole numbers of agents`;
    else if (row.kind === "min" && w && c && Number(c) >= Number(w)) problem = `${state}: at least — the critical level must be lower than the warning level (fewer is worse)`;
    else if (row.kind === "max" && w && c && Number(c) <= Number(w)) problem = `${state}: at most — the critical level must be higher than the warning level`;
    else if (row.kind === "min" && ((c && Number(c) === 0) || (w && Number(w) === 0))) problem = `${state}: fewer than 0 cannot happen; use 1 or more`;
    if (problem) break;
    seen.add(key);
  }
  ok = show("team", problem) && ok;
  return ok;
}

/// Writes both sections into the account as the config keeps them.
export function collectQueueForm(account) {
  delete account.queues;
  delete account.team;
  if (queuesOffered && queues?.on) {
    const level = (pair, toValue) => {
      const out = {};
      if (pair.warning.trim()) out.warning = toValue(pair.warning.trim());
      if (pair.critical.trim()) out.critical = toValue(pair.critical.trim());
      return Object.keys(out).length ? out : undefined;
    };
    const q = { skills: queues.all ? "all" : queues.skills.map((s) => Number(s.id)), no_free_agent: queues.noFree };
    const waiting = level(queues.waiting, Number);
    const longest = level(queues.longest, String);
    if (waiting) q.waiting = waiting;
    if (longest) q.longest_wait = longest;
    account.queues = q;
  }
  const min = {};
  const max = {};
  for (const row of teamRows) {
    const state = row.state.trim();
    if (!state) continue;
    const limit = {};
    if (row.warning.trim()) limit.warning = Number(row.warning.trim());
    if (row.critical.trim()) limit.critical = Number(row.critical.trim());
    (row.kind === "min" ? min : max)[state] = limit;
  }
  if (Object.keys(min).length || Object.keys(max).length) {
    account.team = {};
    if (Object.keys(min).length) account.team.min_in_state = min;
    if (Object.keys(max).length) account.team.max_in_state = max;
  }
  return account;
}
