// The alert policy as the live view shows it: pending and flapping agents, snoozes and
// acknowledgements (with their actions), and the "why" list of recent decisions.
import { call, describeError } from "./api.js";
import { h, $, badge, clock } from "./dom.js";

let view = { pending: [], flapping: [], snoozes: [], paused: false, recent: [] };
let whyAgent = null; // {account_id, agent_id, label} when the why list shows one agent
let onChange = () => {};

export function setAlerts(next) {
  view = next || view;
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
  return view.pending.find((p) => p.account_id === account && (p.agent_id ?? null) === (agent ?? null));
}

export function isFlapping(account, agent) {
  return view.flapping.some((k) => k.account_id === account && k.agent_id === agent);
}

export function snoozeFor(account, agent) {
  return view.snoozes.find((s) =>
    agent
      ? s.target.scope === "agent" && s.target.account_id === account && s.target.agent_id === agent
      : s.target.scope === "account" && s.target.account_id === account,
  );
}

export function untilText(until) {
  if (until.until === "recovery") return "until recovered";
  if (until.until === "at") return `until ${clock(until.at_ms).slice(0, 5)}`;
  return "until cleared";
}

export async function snooze(scope, account_id, agent_id, mode) {
  const status = $("#why-empty");
  try {
    await call("snooze", { request: { scope, account_id, agent_id, mode, minutes: 60 } });
  } catch (e) {
    status.hidden = false;
    status.textContent = describeError(e);
  }
}

// The little chips and buttons of one agent row (or, without agent, one account card).
export function alertCell(account, agent, label) {
  const parts = [];
  const p = pendingFor(account, agent);
  if (p) {
    parts.push(
      h(
        "span",
        { class: "chip pending", title: `${p.what}: seen in ${p.seen} of the ${p.needed} polls needed to confirm it; nobody is notified until then` },
        // What changes, in the core's words: a re-registration keeps its state ("registered").
        `${p.what} pending, ${p.seen} of ${p.needed} polls`,
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
      h(
        "span",
        { class: "chip snoozed", title: `Snoozed ${untilText(s.until)}: no notifications` },
        s.until.until === "recovery" ? "✓ acknowledged" : `☾ snoozed ${untilText(s.until).replace("until ", "to ")}`,
      ),
      h(
        "button",
        {
          type: "button",
          class: "btn small",
          dataset: { action: "clear", focusKey: `clear:${key}` },
          "aria-label": `Clear the snooze of ${who}`,
          onclick: () => snooze(scope, account, agent, "clear"),
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
            onclick: () => snooze(scope, account, agent, "recovery"),
          },
          "Acknowledge",
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
          onclick: () => snooze(scope, account, agent, "for"),
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

export function showWhy(account_id, agent_id, label) {
  whyAgent = agent_id ? { account_id, agent_id, label: label || agent_id } : null;
  renderWhy();
  const list = $("#why-list");
  list.scrollIntoView({ block: "nearest" });
}

function renderWhy() {
  const all = view.recent.slice().reverse(); // newest first
  const shown = whyAgent
    ? all.filter((d) => d.account_id === whyAgent.account_id && d.agent_id === whyAgent.agent_id)
    : all;
  const list = $("#why-list");
  list.replaceChildren(
    ...shown.slice(0, 100).map((d) => {
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
          (d.routes || []).map((r) =>
            h("div", { class: `route-outcome ${r.ok ? "ok" : "failed"}` }, `${r.ok ? "✓" : "✗"} ${r.route}: ${r.outcome}`),
          ),
        ),
      );
    }),
  );
  const empty = $("#why-empty");
  empty.hidden = shown.length > 0;
  if (!shown.length) {
    empty.textContent = whyAgent
      ? `No recent decisions about ${whyAgent.label}.`
      : "No decisions yet. Each change the alert policy sees is listed here with why it did or did not notify.";
  }
  const f = $("#why-filter");
  f.hidden = !whyAgent;
  f.textContent = whyAgent ? `Only ${whyAgent.label}` : "";
  $("#why-all").hidden = !whyAgent;
}

export function initAlerts() {
  $("#why-all").addEventListener("click", () => {
    whyAgent = null;
    renderWhy();
  });
}
