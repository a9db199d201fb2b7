// The live table: one dense row per agent, grouped by account (each group under a header with
// its counts by state) or flat, filtered and sorted as the supervisor set it. Updates happen in
// place: a row's parts are filled again only where what they show changed (and a changed state
// briefly marks the row), rows are moved rather than rebuilt when the order changes, and the
// scroll position, the focused row and a half-typed filter survive every poll. Only the rows in
// view have elements (live_window.js); every agent keeps its record.
import { h, $, clock } from "./dom.js";
import { alertCell, alertSignature, pendingFor, isFlapping, snoozeFor } from "./alerts.js";
import { timeInStateNote } from "./time_limits.js";
import { RANK, effective, enteredMs, isApproximate, inStateText, dateTime } from "./items.js";
import { groupHeader, groupSignature, shownInHeader } from "./live_groups.js";
import { prefs } from "./live_prefs.js";
import { initWindow, setEntries, isActive, rowFocused, drawWindow, positionOfKey } from "./live_window.js";

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
const SEP = "\u0001";
const FLASH_MS = 2200; // as long as the flash animation in app.css

const rows = new Map(); // "account\0agent" -> row record (its `tr` while in the window)
const groups = new Map(); // account id -> group record
let generation = 0;
let firstDraw = true;
let matchingNow = []; // the agent records passing the filters, in the order shown

/// The record of an agent row (`tr`), or undefined for a group header.
export function recordOf(tr) {
  return tr && tr.dataset.agent !== undefined ? rows.get(`${tr.dataset.account}\u0000${tr.dataset.agent}`) : undefined;
}

// An entry of the window: its element, made (and filled) when it comes into view.
function nodeOf(entry) {
  if (entry.kind === "group") return entry.tr;
  if (!entry.tr) {
    Object.assign(entry, newRow(entry.item));
    draw(entry, entry.account, Date.now(), false);
  }
  return entry.tr;
}

// An agent row left the window: its element goes, its record stays.
function leave(key) {
  const r = rows.get(key);
  if (r) Object.assign(r, { tr: null, cells: null, parts: null, note: null });
}

/// Where an account's rows start: its header when grouped, else its first row shown; -1 when
/// none is shown.
export function positionOfAccount(id) {
  if (prefs.grouped) return positionOfKey(`group:${id}`);
  const first = matchingNow.find((r) => r.item.account_id === id);
  return first ? positionOfKey(first.key) : -1;
}

/// The Live tab was hidden and is shown again: its rows are drawn for the view it has now.
export function tableShown() {
  drawWindow(true);
}

export function initTable() {
  initWindow(nodeOf, leave);
  $("#agents-body").addEventListener("focusin", (e) => {
    const row = e.target.closest("tr");
    if (row) rowFocused(row);
  });
}

function rowKey(item) {
  return `${item.account_id}\u0000${item.agent_id}`;
}

// What the row shows, as one string: compared on every update to decide whether to redraw it.
function signature(item, account) {
  const limit = item.time_in_state && item.time_in_state.limit;
  return [
    effective(item),
    item.state,
    item.native,
    item.detail ?? "",
    item.name ?? "",
    enteredMs(item),
    isApproximate(item),
    item.stale,
    limit ? `${limit.over}|${limit.warning_secs}|${limit.critical_secs}` : "",
    alertSignature(item.account_id, item.agent_id),
    item.account_name,
    item.stale && account ? account.last_success_ms : "",
  ].join(SEP);
}

// An id in a muted mono font whose end stays in view: when the cell is too narrow the middle
// gives way to an ellipsis (the whole id is in the tooltip and the details). Split by code
// points, so that no character is cut in two.
function idView(id) {
  const [head, tail] = idParts(id);
  return h("span", { class: "mid", title: id }, h("span", { class: "head" }, head), h("span", { class: "tail" }, tail));
}

// A row's cells, made once by cloning; updates fill in the parts that changed.
const ROW = h(
  "tr",
  { tabindex: "-1" },
  h("td", { class: "c-sev" }, h("span", { class: "badge" })),
  h("td", { class: "c-agent" }),
  h("td", { class: "c-account" }),
  h("td", { class: "c-state" }),
  h("td", { class: "c-time time" }),
  h("td", { class: "c-alerts alerts" }),
);

// A row's element and its cells, with nothing filled in yet.
function newRow(item) {
  const tr = ROW.cloneNode(true);
  tr.dataset.agent = item.agent_id;
  tr.dataset.account = item.account_id;
  tr.setAttribute("aria-level", prefs.grouped ? "2" : "1");
  const [sev, agent, account, state, time, alerts] = tr.children;
  return { tr, parts: {}, cells: { badge: sev.firstChild, agent, account, state, time, alerts } };
}

// Fills one part of a row when what it shows (`key`) changed since it was last filled.
function part(r, name, key, fill) {
  if (r.parts[name] === key) return;
  r.parts[name] = key;
  fill();
}

// The common cells, made once and cloned for each row: a named agent (name, id, copy) and the
// alert buttons of an agent nothing holds (neither pending, flapping nor snoozed).
const NAMED = h(
  "div",
  { class: "agent-cell" },
  h("button", { type: "button", class: "agent-name linkish", tabindex: "-1", dataset: { action: "detail" } }),
  h("span", { class: "mid agent-id" }, h("span", { class: "head" }), h("span", { class: "tail" })),
  h("button", { type: "button", class: "copy", tabindex: "-1", title: "Copy the id (c)", dataset: { action: "copy" } }),
);
const FREE = h(
  "div",
  { class: "alert-cell" },
  h("button", { type: "button", class: "btn small", tabindex: "-1", title: "Acknowledge: no notifications for this agent until it is back to ok", dataset: { action: "ack" } }, "Ack"),
  h("button", { type: "button", class: "btn small", tabindex: "-1", title: "No notifications for this agent for one hour", dataset: { action: "snooze" } }, "Snooze 1 h"),
);

// An id's head and tail: the tail (its last characters) stays in view when the cell is narrow.
// Split by code points, so that no character is cut in two.
function idParts(id) {
  const chars = Array.from(id);
  const tail = chars.length > 12 ? Math.min(8, Math.floor(chars.length / 3)) : 0;
  return [chars.slice(0, chars.length - tail).join(""), chars.slice(chars.length - tail).join("")];
}

function agentCell(r) {
  const a = r.item;
  const copy = `Copy the id of ${r.label}`;
  if (a.name && a.name !== a.agent_id) {
    const cell = NAMED.cloneNode(true);
    const [name, id, button] = cell.children;
    name.textContent = a.name;
    name.title = `${a.name}: details (Enter)`;
    name.dataset.focusKey = `detail:${r.key}`;
    const [head, tail] = idParts(a.agent_id);
    id.title = a.agent_id;
    id.firstChild.textContent = head;
    id.lastChild.textContent = tail;
    button.setAttribute("aria-label", copy);
    button.dataset.focusKey = `copy:${r.key}`;
    return cell;
  }
  return h(
    "div",
    { class: "agent-cell" },
    h("button", { type: "button", class: "agent-name linkish mono", title: `${r.label}: details (Enter)`, dataset: { action: "detail", focusKey: `detail:${r.key}` } }, idView(a.agent_id)),
    h("button", { type: "button", class: "copy", title: "Copy the id (c)", "aria-label": copy, dataset: { action: "copy", focusKey: `copy:${r.key}` } }),
  );
}

function alertsCell(r) {
  const a = r.item;
  if (!pendingFor(a.account_id, a.agent_id) && !isFlapping(a.account_id, a.agent_id) && !snoozeFor(a.account_id, a.agent_id)) {
    const cell = FREE.cloneNode(true);
    const [ack, snooze] = cell.children;
    const key = `${a.account_id}/${a.agent_id}`;
    ack.setAttribute("aria-label", `Acknowledge ${r.label} until recovered`);
    ack.dataset.focusKey = `ack:${key}`;
    snooze.setAttribute("aria-label", `Snooze ${r.label} for 1 hour`);
    snooze.dataset.focusKey = `snooze:${key}`;
    return cell;
  }
  return alertCell(a.account_id, a.agent_id, r.label, true);
}

function draw(r, account, now, flash) {
  const a = r.item;
  const sev = r.sev;
  const { tr, cells } = r;
  const active = isActive(tr);
  if (flash) {
    r.flashes += 1;
    r.flashUntil = now + FLASH_MS;
  }
  // A changed state flashes the row for a moment; two names for one animation, so that a row
  // changing again starts it afresh.
  const flashing = r.flashUntil > now;
  const classes = [a.stale ? "stale" : "", flashing ? (r.flashes % 2 ? "flash-a" : "flash-b") : "", pendingFor(a.account_id, a.agent_id) ? "pending" : "", isFlapping(a.account_id, a.agent_id) ? "flapping" : ""]
    .filter(Boolean)
    .join(" ");
  if (tr.className !== classes) tr.className = classes;
  tr.dataset.severity = sev;
  tr.title = a.stale ? "Last known state: the account is unreachable" : "";
  part(r, "sev", sev, () => {
    cells.badge.className = `badge sev-${sev}`;
    cells.badge.textContent = sev;
  });
  part(r, "who", `${a.name ?? ""}${SEP}${a.agent_id}`, () => {
    cells.agent.replaceChildren(agentCell(r));
    setButtonsTabbable(cells.agent, active);
  });
  part(r, "account", a.account_name, () => {
    cells.account.textContent = a.account_name;
    cells.account.title = a.account_name;
  });
  const asOfMs = a.stale && account ? account.last_success_ms || 0 : 0;
  const limit = a.time_in_state && a.time_in_state.limit;
  part(r, "state", [a.state, a.native, a.detail ?? "", asOfMs, limit ? `${limit.over}|${limit.warning_secs}|${limit.critical_secs}` : ""].join(SEP), () => {
    r.note = timeInStateNote(a, now);
    r.noteText = r.note ? r.note.textContent : "";
    cells.state.replaceChildren(
      h("span", { class: "state" }, a.state),
      ...[asOfMs ? h("span", { class: "as-of" }, `as of ${clock(asOfMs)}`) : null, a.detail ? h("span", { class: "detail" }, a.detail) : null, r.note].filter(Boolean),
    );
    cells.state.title = [a.state, a.native !== a.state ? `(${a.native})` : "", a.detail || ""].filter(Boolean).join(" · ");
  });
  part(r, "time", `${r.entered}${SEP}${isApproximate(a)}`, () => {
    r.timeText = inStateText(now - r.entered, isApproximate(a));
    cells.time.textContent = r.timeText;
    cells.time.title = `In this state since ${dateTime(r.entered)}`;
  });
  part(r, "alerts", `${alertSignature(a.account_id, a.agent_id)}${SEP}${r.label}`, () => {
    cells.alerts.replaceChildren(alertsCell(r));
    setButtonsTabbable(cells.alerts, active);
  });
}

function setButtonsTabbable(within, on) {
  for (const b of within.querySelectorAll("button, input")) b.tabIndex = on ? 0 : -1;
}

// Updates the records from the status; returns the agent records by account id.
function updateRecords(status, accounts, now) {
  generation += 1;
  const byAccount = new Map(status.accounts.map((a) => [a.id, []]));
  for (const item of status.agents) {
    if (shownInHeader(item)) continue;
    const key = rowKey(item);
    let r = rows.get(key);
    if (!r) {
      r = { key, kind: "row", tr: null, sig: null, state: item.state, flashes: 0, flashUntil: 0 };
      rows.set(key, r);
    }
    r.item = item;
    r.seen = generation;
    const account = accounts.get(item.account_id);
    r.account = account;
    const sig = signature(item, account);
    if (r.sig !== sig) {
      const flash = r.sig !== null && !firstDraw && r.state !== item.state;
      r.sig = sig;
      r.state = item.state;
      r.sev = effective(item);
      r.rank = RANK[r.sev];
      r.entered = enteredMs(item);
      r.label = item.name || item.agent_id;
      r.accountName = item.account_name;
      r.hay = [item.agent_id, item.name, item.account_name, item.vendor, item.state, item.native, item.detail].filter(Boolean).join(" ").toLowerCase();
      if (r.tr) draw(r, account, now, flash);
    }
    let list = byAccount.get(item.account_id);
    if (!list) byAccount.set(item.account_id, (list = []));
    list.push(r);
  }
  for (const [key, r] of rows) if (r.seen !== generation) rows.delete(key);
  return byAccount;
}

const PROBLEMS = new Set(["warning", "critical", "unknown"]);

function filterOf() {
  const terms = prefs.filter.toLowerCase().split(/\s+/).filter(Boolean);
  const severities = prefs.severities.length ? new Set(prefs.severities) : null;
  return (r) => {
    if (severities && !severities.has(r.sev)) return false;
    if (prefs.onlyProblems && !PROBLEMS.has(r.sev)) return false;
    for (const t of terms) if (!r.hay.includes(t)) return false;
    return true;
  };
}

/// True when any filter is on (text, severities, only problems).
export function filtering() {
  return !!prefs.filter.trim() || prefs.severities.length > 0 || prefs.onlyProblems;
}

// The natural ("ascending") order of each sortable column; ties always fall back to the worst
// and longest in state first, then the name.
const ASCENDING = {
  severity: (a, b) => a.rank - b.rank,
  time: (a, b) => b.entered - a.entered,
  agent: (a, b) => collator.compare(a.label, b.label),
  state: (a, b) => collator.compare(a.state, b.state),
  account: (a, b) => collator.compare(a.accountName, b.accountName),
};

function comparatorOf(sort) {
  const primary = ASCENDING[sort.key] || ASCENDING.severity;
  const dir = sort.dir === "asc" ? 1 : -1;
  return (a, b) => dir * primary(a, b) || b.rank - a.rank || a.entered - b.entered || collator.compare(a.label, b.label) || (a.key < b.key ? -1 : 1);
}

function groupEntry(account, items, shown) {
  let g = groups.get(account.id);
  if (!g) {
    g = { key: `group:${account.id}`, kind: "group", tr: h("tr", { class: "group-head", tabindex: "-1", "aria-level": "1", dataset: { group: account.id } }), sig: null };
    groups.set(account.id, g);
  }
  g.seen = generation;
  const collapsed = prefs.collapsed.includes(account.id);
  const sig = groupSignature(account, items, shown, collapsed);
  if (g.sig !== sig) {
    g.sig = sig;
    g.tr.setAttribute("aria-expanded", String(!collapsed));
    g.tr.classList.toggle("collapsed", collapsed);
    g.tr.classList.toggle("h-unreachable", account.health === "unreachable");
    g.tr.replaceChildren(h("td", { colspan: "5" }, groupHeader(account, items, shown, collapsed)));
    g.polled = g.tr.querySelector(".gh-polled");
    setButtonsTabbable(g.tr, isActive(g.tr));
  }
  if (g.polled) g.polled.dataset.ago = account.last_poll_ms || "";
  return g;
}

/// Draws the table for `status` as the preferences say; `items` holds each account's items.
/// Returns the agent records passing the filters.
export function renderTable(status, items) {
  const now = Date.now();
  const accounts = new Map(status.accounts.map((a) => [a.id, a]));
  const byAccount = updateRecords(status, accounts, now);
  const passes = filterOf();
  const compare = comparatorOf(prefs.sort);
  const entries = [];
  const matching = [];
  $("#agents-table").classList.toggle("grouped", prefs.grouped);
  if (prefs.grouped) {
    for (const account of status.accounts) {
      const records = byAccount.get(account.id) || [];
      const shown = records.filter(passes).sort(compare);
      // A filter hides the groups it leaves empty; without one every account is there.
      if (filtering() && shown.length === 0) continue;
      entries.push(groupEntry(account, items.get(account.id) || [], shown.length));
      matching.push(...shown);
      if (!prefs.collapsed.includes(account.id)) entries.push(...shown);
    }
  } else {
    for (const list of byAccount.values()) for (const r of list) if (passes(r)) matching.push(r);
    matching.sort(compare);
    entries.push(...matching);
  }
  for (const [id, g] of groups) if (g.seen !== generation) groups.delete(id);
  const level = prefs.grouped ? "2" : "1";
  for (const r of matching) {
    if (r.tr && r.tr.getAttribute("aria-level") !== level) r.tr.setAttribute("aria-level", level);
  }
  matchingNow = matching;
  setEntries(entries);
  firstDraw = false;
  renderEmpty(status, matching.length);
  return matching;
}

function renderEmpty(status, shown) {
  const empty = $("#agents-empty");
  const agents = status.agents.length;
  let text = "";
  if (status.accounts.length === 0) text = "No account is watched.";
  else if (shown === 0 && agents > 0 && filtering()) text = "No agent matches the filters.";
  else if (agents === 0) text = "Waiting for the first poll…";
  empty.hidden = !text;
  empty.textContent = text;
}

/// A row's flash is over: its class goes, so that moving the row later does not replay it.
export function endFlash(tr) {
  tr.classList.remove("flash-a", "flash-b");
}

/// Once a second: each shown row's time in state (and its limit's words), only where the text
/// changed.
export function tickTable(now = Date.now()) {
  for (const r of rows.values()) {
    if (!r.tr) continue;
    const text = inStateText(now - r.entered, isApproximate(r.item));
    if (text !== r.timeText) {
      r.timeText = text;
      r.cells.time.textContent = text;
    }
    if (r.note) {
      const note = timeInStateNote(r.item, now);
      if (note && note.textContent !== r.noteText) {
        r.noteText = note.textContent;
        r.note.replaceWith(note);
        r.note = note;
      }
    }
  }
}
