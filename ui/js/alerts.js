// The alert policy as the live view shows it: pending and flapping agents, snoozes and
// acknowledgements (with their actions), and the "why" list of recent decisions.
import { call, describeError } from "./api.js";
import { h, $, $$, badge, clock } from "./dom.js";

let view = { pending: [], flapping: [], snoozes: [], paused: false, recent: [] };
let onChange = () => {};
// The view's lists by "account\0agent" (agent "" for the account itself): a live view of
// thousands of rows asks about each of them on every update.
let pendingByKey = new Map();
let flappingKeys = new Set();
let snoozeByKey = new Map();

const keyOf = (account, agent) => `${account}\u0000${agent ?? ""}`;

function index() {
  pendingByKey = new Map(view.pending.map((p) => [keyOf(p.account_id, p.agent_id), p]));
  flappingKeys = new Set(view.flapping.map((k) => keyOf(k.account_id, k.agent_id)));
  snoozeByKey = new Map();
  for (const s of view.snoozes) {
    const t = s.target;
    if (t.scope === "agent") snoozeByKey.set(keyOf(t.account_id, t.agent_id), s);
    if (t.scope === "account") snoozeByKey.set(keyOf(t.account_id, null), s);
  }
}

export function setAlerts(next) {
  view = next || view;
  index();
  renderSnoozes();
  renderWhy();
  onChange();
}

// The latest alert view (maintenance.js reads its windows).
export function currentAlerts() {
  return view;
}

export function onAlertsChange(fn) {
  onChange = fn;
}

export function pendingFor(account, agent) {
  return pendingByKey.get(keyOf(account, agent));
}

export function isFlapping(account, agent) {
  return !!agent && flappingKeys.has(keyOf(account, agent));
}

export function snoozeFor(account, agent) {
  return snoozeByKey.get(keyOf(account, agent));
}

/// What the alert cell of an agent (or, without agent, an account) shows, as one string: the
/// live view redraws a row only when this or the agent's own state changed.
export function alertSignature(account, agent) {
  const p = pendingFor(account, agent);
  const s = snoozeFor(account, agent);
  return [
    p ? `${p.new_state}|${p.seen}|${p.needed}` : "",
    isFlapping(account, agent) ? "f" : "",
    s ? JSON.stringify(s.until) : "",
  ].join("|");
}

export function untilText(until) {
  if (until.until === "recovery") return "until recovered";
  if (until.until === "at") return `until ${clock(until.at_ms).slice(0, 5)}`;
  return "until cleared";
}

/// Snoozes (mode "for": one hour), acknowledges ("recovery") or clears ("clear") an agent or an
/// account; a refusal is said in every place marked `data-alert-msg` (the live view's message
/// line, an open agent's details).
export async function snooze(scope, account_id, agent_id, mode) {
  let message = "";
  try {
    await call("snooze", { request: { scope, account_id, agent_id, mode, minutes: 60 } });
  } catch (e) {
    message = describeError(e);
  }
  for (const el of $$("[data-alert-msg]")) el.textContent = message;
}

/// "☾ snoozed to 18:30" or "✓ acknowledged" for a snoozed agent (or, without agent, account).
export function snoozeChip(account, agent) {
  const s = snoozeFor(account, agent);
  if (!s) return null;
  return h(
    "span",
    { class: "chip snoozed", title: `Snoozed ${untilText(s.until)}: no notifications` },
    s.until.until === "recovery" ? "✓ acknowledged" : `☾ snoozed ${untilText(s.until).replace("until ", "to ")}`,
  );
}

// The little chips and buttons of one agent (or, without agent, one account card). `inRow` for
// a live table row: shorter button words (the same names for screen readers), and the clicks
// are the table's to handle (by each button's data-action), not each button's own.
export function alertCell(account, agent, label, inRow = false) {
  const parts = [];
  const p = pendingFor(account, agent);
  if (p) {
    // What changes, in the core's words: a re-registration keeps its state ("registered").
    const text = `${p.what} pending, ${p.seen} of ${p.needed} polls`;
    parts.push(
      h(
        "span",
        { class: "chip pending", title: `${text}: seen ${p.seen} of the ${p.needed} polls needed to confirm; nobody is notified until then` },
        text,
      ),
    );
  }
  if (agent && isFlapping(account, agent)) {
    parts.push(h("span", { class: "chip flapping", title: "Changing too often: further changes stay quiet until it settles" }, "↯ flapping"));
  }
  const s = snoozeFor(account, agent);
  const key = `${account}/${agent || ""}`;
  const scope = agent ? "agent" : "account";
  const who = agent ? label || agent : label || account;
  if (s) {
    parts.push(
      snoozeChip(account, agent),
      h(
        "button",
        {
          type: "button",
          class: "btn small",
          dataset: { action: "clear", focusKey: `clear:${key}` },
          "aria-label": `Clear the snooze of ${who}`,
          onclick: inRow ? null : () => snooze(scope, account, agent, "clear"),
        },
        "Clear",
      ),
    );
  } else {
    if (agent) {
      parts.push(
        h(
          "button",
          {
            type: "button",
            class: "btn small",
            dataset: { action: "ack", focusKey: `ack:${key}` },
            title: "Acknowledge: no notifications for this agent until it is back to ok",
            "aria-label": `Acknowledge ${who} until recovered`,
            onclick: inRow ? null : () => snooze(scope, account, agent, "recovery"),
          },
          inRow ? "Ack" : "Acknowledge",
        ),
      );
    }
    parts.push(
      h(
        "button",
        {
          type: "button",
          class: "btn small",
          dataset: { action: "snooze", focusKey: `snooze:${key}` },
          title: agent ? "No notifications for this agent for one hour" : "No notifications for this account for one hour",
          "aria-label": `Snooze ${who} for 1 hour`,
          onclick: inRow ? null : () => snooze(scope, account, agent, "for"),
        },
        agent ? "Snooze 1 h" : "Snooze account 1 h",
      ),
    );
  }
  return h("div", { class: "alert-cell" }, ...parts);
}

function targetText(t) {
  if (t.scope === "all") return "All notifications (paused)";
  if (t.scope === "account") return `Account ${t.account_id}`;
  return `${t.agent_id} (${t.account_id})`;
}

function renderSnoozes() {
  const list = $("#snoozes-list");
  list.replaceChildren(
    ...view.snoozes.map((s) => {
      const t = s.target;
      const clear =
        t.scope === "all"
          ? null
          : h(
              "button",
              {
                type: "button",
                class: "btn small",
                dataset: { focusKey: `sclear:${t.account_id}/${t.agent_id || ""}` },
                onclick: () => snooze(t.scope, t.account_id, t.agent_id, "clear"),
              },
              "Clear",
            );
      return h(
        "li",
        { dataset: { scope: t.scope, account: t.account_id || "", agent: t.agent_id || "" } },
        h("span", { class: "what" }, targetText(t)),
        h("span", { class: "until" }, s.until.until === "recovery" ? "acknowledged until recovered" : untilText(s.until)),
        clear,
      );
    }),
  );
  $("#snoozes-empty").hidden = view.snoozes.length > 0;
}

const KIND_WORDS = {
  pending: "pending",
  blip: "blip",
  changed: "change",
  recovered: "recovery",
  flapping_started: "flapping",
  flapping_settled: "settled",
  reminder: "reminder",
  storm_summary: "storm",
};

/// The alert policy's recent decisions about one agent, newest first.
export function decisionsAbout(account_id, agent_id) {
  return view.recent.filter((d) => d.account_id === account_id && d.agent_id === agent_id).reverse();
}

/// One decision as the Why list and an agent's details show it.
export function decisionItem(d) {
  const who = d.agent_id ? d.agent_name || d.agent_id : d.account_name;
  const notified = d.outcome && d.outcome.outcome === "notify";
  return h(
    "li",
    {
      class: notified ? "notified" : "quiet",
      dataset: { account: d.account_id, agent: d.agent_id || "", outcome: notified ? "notify" : "quiet", kind: d.kind.type },
    },
    h("span", { class: "when", title: new Date(d.at_ms).toLocaleString() }, clock(d.at_ms)),
    badge(d.severity),
    h("span", { class: `outcome ${notified ? "yes" : "no"}` }, notified ? "● notified" : "○ quiet"),
    h(
      "div",
      { class: "what" },
      h("span", { class: "who" }, `${who} · ${d.account_name}`),
      h("span", { class: "kind" }, KIND_WORDS[d.kind.type] || d.kind.type),
      h("div", { class: "explanation" }, d.explanation),
      (d.routes || []).map((r) => h("div", { class: `route-outcome ${r.ok ? "ok" : "failed"}` }, `${r.ok ? "✓" : "✗"} ${r.route}: ${r.outcome}`)),
    ),
  );
}

function renderWhy() {
  const shown = view.recent.slice().reverse(); // newest first
  $("#why-list").replaceChildren(...shown.slice(0, 100).map(decisionItem));
  $("#why-empty").hidden = shown.length > 0;
}

