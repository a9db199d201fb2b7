// The live view: account cards, the agents table (worst first) and the recent events. Fed by
// events pushed from Rust; a local one-second timer only re-renders the relative times.
import { h, $, badge, vendorLabel, ago, clock } from "./dom.js";
import { alertCell, pendingFor, isFlapping, showWhy, onAlertsChange } from "./alerts.js";
import { call, describeError } from "./api.js";
import { timeInStateNote } from "./time_limits.js";
import { maintenanceCell } from "./maintenance.js";
import { accountItems, agentsOnly } from "./queues.js";

const RANK = { critical: 4, warning: 3, unknown: 2, info: 1, ok: 0 };
let status = { accounts: [], agents: [] };
let events = [];
let filter = "";
const previous = new Map(); // agent key -> state, to flash rows that changed

function effective(agent) {
  return agent.stale ? "unknown" : agent.severity;
}

function lastPoll(accountId) {
  const a = status.accounts.find((x) => x.id === accountId);
  return a ? a.last_poll_ms : null;
}

export function setStatus(next) {
  status = next;
  renderOverall();
  rerender();
}

// Re-renders the cards and rows, keeping the keyboard focus on the same action.
function rerender() {
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.focusKey : null;
  renderAccounts();
  renderAgents();
  if (focused) {
    const again = document.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

// What stops every account at once, said once above everything (not once per account).
const CONDITIONS = {
  network_unavailable: "Network unavailable: no account can be reached. AgentWatch keeps trying and will carry on by itself when the network is back.",
  keyring_locked: "Keyring locked: the accounts' secrets cannot be read. Unlock it to resume polling.",
};

function renderCondition() {
  const banner = $("#condition-banner");
  const text = CONDITIONS[status.condition];
  banner.hidden = !text;
  $("#condition-text").textContent = text || "";
  $("#btn-unlock").hidden = status.condition !== "keyring_locked";
  if (!text) $("#condition-msg").textContent = "";
}

async function unlockKeyring() {
  const msg = $("#condition-msg");
  msg.textContent = "Waiting for the keyring's password prompt…";
  try {
    const unlocked = await call("unlock_keyring");
    msg.textContent = unlocked ? "Unlocked: polling again." : "The keyring is still locked.";
  } catch (err) {
    msg.textContent = describeError(err);
  }
}

function renderOverall() {
  renderCondition();
  const face = $("#overall-face");
  face.className = `face ${status.tray || "unknown"}`;
  $("#overall-text").textContent = status.summary || "";
  const note = $("#paused-note");
  if (status.paused_until_ms) {
    note.hidden = false;
    // A pause until resumed (from a script) has no end time: the app sends i64::MAX for it.
    const endless = status.paused_until_ms > 8.64e15;
    note.textContent = endless ? "Notifications paused until resumed" : `Notifications paused until ${clock(status.paused_until_ms).slice(0, 5)}`;
  } else {
    note.hidden = true;
  }
}

function renderAccounts() {
  const strip = $("#account-cards");
  strip.replaceChildren(
    ...status.accounts.map((a) => {
      const count = agentsOnly(status.agents).filter((g) => g.account_id === a.id).length;
      const items = accountItems(status, a.id);
      const health = { pending: "connecting…", ok: "reachable", unreachable: "unreachable" }[a.health] || a.health;
      return h(
        "div",
        { class: `acard h-${a.health}${items ? " with-items" : ""}`, dataset: { account: a.id } },
        h("div", { class: "name", title: a.name }, a.name),
        h(
          "div",
          { class: "meta" },
          h("span", { class: "vendor" }, vendorLabel(a.vendor)),
          h("span", {}, health),
          h("span", {}, `${count} agent${count === 1 ? "" : "s"}`),
          h("span", { class: "time", dataset: { ago: a.last_poll_ms || "" } }, `polled ${ago(a.last_poll_ms)}`),
        ),
        a.error ? h("div", { class: "err" }, `${a.error.kind}: ${a.error.message}`) : null,
        items,
        alertCell(a.id, null, a.name),
        maintenanceCell(a.id, a.name),
      );
    }),
  );
}

function matches(agent) {
  if (!filter) return true;
  const hay = [agent.agent_id, agent.name, agent.account_name, agent.vendor, agent.state, agent.native]
    .filter(Boolean)
    .join(" ")
    .toLowerCase();
  return hay.includes(filter);
}

function renderAgents() {
  const body = $("#agents-body");
  const rows = agentsOnly(status.agents)
    .filter(matches)
    .slice()
    .sort(
      (a, b) =>
        RANK[effective(b)] - RANK[effective(a)] ||
        a.account_name.localeCompare(b.account_name) ||
        a.agent_id.localeCompare(b.agent_id, undefined, { numeric: true }),
    )
    .map((a) => {
      const key = `${a.account_id}/${a.agent_id}`;
      const changed = previous.has(key) && previous.get(key) !== a.state;
      previous.set(key, a.state);
      const pending = pendingFor(a.account_id, a.agent_id);
      const flapping = isFlapping(a.account_id, a.agent_id);
      const label = a.name || a.agent_id;
      const tr = h(
        "tr",
        {
          class: [a.stale ? "stale" : "", changed ? "flash" : "", pending ? "pending" : "", flapping ? "flapping" : ""].join(" ").trim() || null,
          dataset: { agent: a.agent_id, account: a.account_id, severity: effective(a) },
          title: a.stale ? "Last known state: the account is unreachable" : null,
        },
        h("td", {}, badge(effective(a))),
        h(
          "td",
          {},
          h(
            "button",
            {
              type: "button",
              class: "agent-name linkish",
              // The whole id, however long: the cell shows three lines of it at most.
              title: `${label}: show why this agent did or did not notify`,
              dataset: { focusKey: `why:${key}` },
              onclick: () => showWhy(a.account_id, a.agent_id, label),
            },
            h("span", { class: "clamp" }, label),
          ),
          a.name && a.name !== a.agent_id ? h("div", { class: "agent-id" }, a.agent_id) : null,
        ),
        h("td", {}, h("span", { class: "vendor" }, vendorLabel(a.vendor))),
        h("td", {}, a.account_name),
        h(
          "td",
          {},
          h("span", { class: "state" }, a.state),
          timeInStateNote(a),
          a.detail ? h("div", { class: "detail" }, a.detail) : null,
        ),
        h("td", { class: "time", dataset: { ago: a.since_ms } }, ago(a.since_ms)),
        h("td", { class: "time" }, clock(lastPoll(a.account_id))),
        h("td", { class: "alerts" }, alertCell(a.account_id, a.agent_id, label)),
      );
      return tr;
    });
  body.replaceChildren(...rows);
  const empty = $("#agents-empty");
  if (status.accounts.length === 0) {
    empty.hidden = false;
    empty.textContent = "No account is watched.";
  } else if (rows.length === 0) {
    empty.hidden = false;
    empty.textContent = status.agents.length ? "No agent matches the filter." : "Waiting for the first poll…";
  } else {
    empty.hidden = true;
  }
}

export function setEvents(list) {
  events = list.slice(0, 200);
  renderEvents();
}

export function addEvent(e) {
  events.unshift(e);
  events.length = Math.min(events.length, 200);
  renderEvents();
}

function renderEvents() {
  const list = $("#events-list");
  list.replaceChildren(
    ...events.map((e) =>
      h(
        "li",
        { dataset: { kind: e.kind, agent: e.agent_id || "", account: e.account_id } },
        h("span", { class: "when", title: new Date(e.at_ms).toLocaleString() }, clock(e.at_ms)),
        h("span", {}, badge(e.severity)),
        h("div", {}, h("div", { class: "title" }, e.title), h("div", { class: "body" }, e.body)),
      ),
    ),
  );
  $("#events-empty").hidden = events.length > 0;
  $("#events-count").textContent = events.length ? String(events.length) : "";
}

export function initLive() {
  onAlertsChange(rerender);
  $("#btn-unlock").addEventListener("click", unlockKeyring);
  $("#filter").addEventListener("input", (e) => {
    filter = e.target.value.trim().toLowerCase();
    renderAgents();
  });
  // Relative times only: no data is fetched here.
  setInterval(() => {
    const now = Date.now();
    for (const el of document.querySelectorAll("[data-ago]")) {
      const ms = Number(el.dataset.ago);
      if (!ms) continue;
      el.textContent = el.closest(".acard") ? `polled ${ago(ms, now)}` : ago(ms, now);
    }
  }, 1000);
}
