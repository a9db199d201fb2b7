// The live view: the overall header, the account cards, the agents table with its toolbar
// (filter, severity chips, only problems, view options) and the recent events, fed by events
// pushed from Rust; a local one-second timer only moves the times on. The table, the cards, the
// keyboard, the wallboard and an agent's details are modules of their own; this one joins them.
import { h, $, $$, badge, ago, clock } from "./dom.js";
import { onAlertsChange, snooze, snoozeFor } from "./alerts.js";
import { call, describeError } from "./api.js";
import { byAccount, countsBySeverity, plural, SEVERITIES } from "./items.js";
import { prefs, savePrefs } from "./live_prefs.js";
import { renderTable, tickTable, filtering, endFlash, initTable, positionOfAccount, tableShown } from "./live_table.js";
import { renderCards, initCards } from "./live_cards.js";
import { initKeys } from "./live_keys.js";
import { focusEntry } from "./live_window.js";
import { openWallboard, closeWallboard, wallboardOpen, updateWallboard } from "./wallboard.js";
import { initDetail, openDetail, updateDetail } from "./agent_detail.js";
import { copyText } from "./clipboard.js";
import { extendGroupHeader } from "./live_groups.js";
import { accountItems, isItem } from "./queues.js";

let status = { accounts: [], agents: [] };
let items = new Map();
let events = [];

// How long the last updates took, from the poll's status to the table drawn and painted: read by
// the live view's benchmark (tests/live_bench.rs) through WebDriver. At most 100 are kept.
const timings = [];
window.agentwatchLiveTimings = timings;

export function setStatus(next) {
  const received = Date.now();
  const started = performance.now();
  status = next;
  items = byAccount(status);
  renderOverall();
  renderAll();
  const timing = { updated_ms: next.updated_ms, received_ms: received, script_ms: performance.now() - started, agents: next.agents.length };
  // The frame that shows the update: after the next animation frame's rendering.
  requestAnimationFrame(() =>
    setTimeout(() => {
      timing.painted_ms = Date.now();
      timings.push(timing);
      if (timings.length > 100) timings.shift();
    }, 0),
  );
}

function renderAll() {
  renderCards(status, items);
  const shown = renderTable(status, items);
  renderChips();
  renderCount(shown.length);
  updateWallboard(status, items);
  updateDetail(status);
}

// Several inputs in one frame (typing fast in the filter) are drawn once.
let pending = false;
function renderSoon() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    renderAll();
  });
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

// The severity chips: each a filter of its own (several at once), with how many agents it has.
function renderChips() {
  const counts = countsBySeverity(status.agents);
  for (const chip of $$("#sev-chips button")) {
    const sev = chip.dataset.severity;
    chip.setAttribute("aria-pressed", String(prefs.severities.includes(sev)));
    chip.querySelector(".n").textContent = (counts[sev] || 0).toLocaleString();
  }
  $("#only-problems").setAttribute("aria-pressed", String(prefs.onlyProblems));
}

function renderCount(shown) {
  const total = countsBySeverity(status.agents);
  const agents = Object.values(total).reduce((a, b) => a + b, 0);
  $("#live-count").textContent = filtering() ? `${shown.toLocaleString()} of ${plural(agents, "agent")}` : plural(agents, "agent");
}

function renderSortHeaders() {
  for (const th of $$("#agents-table thead th")) {
    const button = th.querySelector("button[data-sort]");
    if (!button) continue;
    const on = button.dataset.sort === prefs.sort.key;
    if (on) th.setAttribute("aria-sort", prefs.sort.dir === "asc" ? "ascending" : "descending");
    else th.removeAttribute("aria-sort");
  }
}

// The first click on a column sorts it the way a supervisor reads it first (the worst, the
// longest in state, A to Z); the next click turns it round.
const FIRST_DIRECTION = { severity: "desc", time: "desc", agent: "asc", state: "asc", account: "asc" };

function sortBy(key) {
  const dir = prefs.sort.key === key ? (prefs.sort.dir === "asc" ? "desc" : "asc") : FIRST_DIRECTION[key];
  savePrefs({ sort: { key, dir } });
  renderSortHeaders();
  renderAll();
}

function toggleGroup(id, expand) {
  const collapsed = prefs.collapsed.includes(id);
  const want = expand === undefined ? !collapsed : !expand;
  if (want === collapsed) return;
  savePrefs({ collapsed: want ? [...prefs.collapsed, id] : prefs.collapsed.filter((c) => c !== id) });
  renderAll();
}

// A card's name: its account's rows (expanded) in view, the focus on the first of them.
function showGroup(id) {
  if (prefs.grouped) toggleGroup(id, true);
  const at = positionOfAccount(id);
  if (at >= 0) focusEntry(at);
}

function say(text) {
  $("#live-msg").textContent = text;
}

async function copyId(record) {
  const id = record.item.agent_id;
  say((await copyText(id)) ? `Copied the id of ${record.label}.` : "Copying was refused: open the details (Enter), select the id and press Ctrl+C.");
}

function acknowledge(record) {
  const a = record.item;
  const s = snoozeFor(a.account_id, a.agent_id);
  if (s && s.until.until === "recovery") return say(`${record.label} is already acknowledged.`);
  say("");
  snooze("agent", a.account_id, a.agent_id, "recovery");
}

function snoozeHour(record) {
  say("");
  snooze("agent", record.item.account_id, record.item.agent_id, "for");
}

function detail(record) {
  openDetail(record.item, status.accounts.find((a) => a.id === record.item.account_id));
}

// Clicks on the rows' buttons, handled here for every row at once (each button says what it
// does in its data-action).
function onTableClick(e) {
  const button = e.target.closest("button[data-action]");
  const row = e.target.closest("tr");
  if (!button || !row) return;
  const action = button.dataset.action;
  if (action === "toggle-group") return toggleGroup(row.dataset.group);
  const item = (items.get(row.dataset.account) || []).find((a) => a.agent_id === row.dataset.agent);
  if (!item) return;
  const record = { item, label: item.name || item.agent_id };
  if (action === "detail") detail(record);
  if (action === "copy") copyId(record);
  if (action === "ack") acknowledge(record);
  if (action === "snooze") snoozeHour(record);
  if (action === "clear") snooze("agent", item.account_id, item.agent_id, "clear");
}

function initToolbar() {
  const filter = $("#filter");
  filter.value = prefs.filter;
  filter.addEventListener("input", () => {
    savePrefs({ filter: filter.value });
    renderSoon();
  });
  $("#sev-chips").replaceChildren(
    ...SEVERITIES.map((sev) =>
      h(
        "button",
        { type: "button", class: "chip-filter", dataset: { severity: sev }, "aria-pressed": "false", title: `Show ${sev} agents (with any other chosen)` },
        badge(sev),
        h("span", { class: "n" }, "0"),
      ),
    ),
  );
  $("#sev-chips").addEventListener("click", (e) => {
    const chip = e.target.closest("button[data-severity]");
    if (!chip) return;
    const sev = chip.dataset.severity;
    const on = prefs.severities.includes(sev);
    savePrefs({ severities: on ? prefs.severities.filter((s) => s !== sev) : [...prefs.severities, sev] });
    renderAll();
  });
  $("#only-problems").addEventListener("click", () => {
    savePrefs({ onlyProblems: !prefs.onlyProblems });
    renderAll();
  });
  for (const button of $$("#agents-table thead button[data-sort]")) {
    button.addEventListener("click", () => sortBy(button.dataset.sort));
  }
  renderSortHeaders();
  // View options: grouping and row density.
  const view = $("#btn-view");
  const menu = $("#view-menu");
  view.addEventListener("click", () => {
    menu.hidden = !menu.hidden;
    view.setAttribute("aria-expanded", String(!menu.hidden));
  });
  document.addEventListener("click", (e) => {
    if (!menu.hidden && !menu.contains(e.target) && e.target !== view) {
      menu.hidden = true;
      view.setAttribute("aria-expanded", "false");
    }
  });
  menu.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      menu.hidden = true;
      view.setAttribute("aria-expanded", "false");
      view.focus();
    }
  });
  const grouped = $("#opt-grouped");
  grouped.checked = prefs.grouped;
  grouped.addEventListener("change", () => {
    savePrefs({ grouped: grouped.checked });
    renderAll();
  });
  const comfortable = $("#opt-comfortable");
  comfortable.checked = prefs.density === "comfortable";
  $("#panel-live").dataset.density = prefs.density;
  comfortable.addEventListener("change", () => {
    savePrefs({ density: comfortable.checked ? "comfortable" : "compact" });
    $("#panel-live").dataset.density = prefs.density;
  });
  // The table's header sticks under the toolbar, whose height changes when it wraps.
  const tools = $(".live-tools");
  new ResizeObserver(() => $("#panel-live").style.setProperty("--tools-h", `${tools.offsetHeight}px`)).observe(tools);
  $("#btn-wallboard").addEventListener("click", openWallboard);
  $("#wb-exit").addEventListener("click", closeWallboard);
  $("#agents-body").addEventListener("click", onTableClick);
  $("#agents-body").addEventListener("animationend", (e) => {
    const row = e.target.closest("tr");
    if (row) endFlash(row);
  });
}

export function setEvents(list) {
  events = list.slice(0, 200);
  renderEvents();
}

// One poll's events, newest first, in one message: the list is drawn once for all of them.
export function addEvents(batch) {
  events = batch.concat(events).slice(0, 200);
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

// The tabs share one scroller: the Live tab keeps its own scroll position while another is shown.
function keepScrollAcrossTabs() {
  const panel = $("#panel-live");
  let saved = 0;
  new MutationObserver(() => {
    if (panel.hidden) {
      saved = $("#main").scrollTop;
    } else {
      $("#main").scrollTop = saved;
      tableShown();
    }
  }).observe(panel, { attributes: true, attributeFilter: ["hidden"] });
}

export function initLive() {
  // An account's skill queues and team counts go under its group's header, not among its agents.
  extendGroupHeader({
    render: (account, list) => accountItems({ agents: list }, account.id, { open: (item) => openDetail(item, account) }),
    shows: isItem,
  });
  onAlertsChange(renderAll);
  initTable();
  keepScrollAcrossTabs();
  $("#btn-unlock").addEventListener("click", unlockKeyring);
  initToolbar();
  initCards(showGroup);
  initDetail();
  initKeys({ acknowledge, snooze: snoozeHour, copy: copyId, detail, toggleGroup, openWallboard, closeWallboard, wallboardOpen });
  // Relative times only: no data is fetched here.
  setInterval(() => {
    const now = Date.now();
    for (const el of document.querySelectorAll("[data-ago]")) {
      const ms = Number(el.dataset.ago);
      if (ms) el.textContent = `${el.dataset.prefix || ""}${ago(ms, now)}`;
    }
    tickTable(now);
  }, 1000);
}
