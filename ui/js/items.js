// What the live view reads from the status's items: which are agents, their severity as the
// overall picture counts it, how long they have been in their state, and an account's counts by
// state ("6 idle · 31 talking · 4 rest · 2 signed out").

export const SEVERITIES = ["critical", "warning", "unknown", "info", "ok"];
export const RANK = { critical: 4, warning: 3, unknown: 2, info: 1, ok: 0 };

/// An account's list also holds items that are not agents: a skill queue (`queue:<skill id>`)
/// and the team's counts (`team`). They are shown by their own module, never counted as agents.
export function isAgent(item) {
  return item.agent_id !== "team" && !item.agent_id.startsWith("queue:");
}

/// The severity that counts: the last known state of an unreachable account is not known.
export function effective(item) {
  return item.stale ? "unknown" : item.severity;
}

/// Not ok in the tray's sense: warning, critical or unknown (info counts with ok).
export function isProblem(item) {
  const s = effective(item);
  return s === "warning" || s === "critical" || s === "unknown";
}

/// When the item entered its state: the vendor's time when it gives one, else the first poll
/// that saw it; `approximate` when it was in the state before watching began.
export function enteredMs(item) {
  const t = item.time_in_state;
  return t && t.entered_ms ? t.entered_ms : item.since_ms;
}

export function isApproximate(item) {
  return !!(item.time_in_state && item.time_in_state.approximate);
}

// One formatter for every row: making one per call (toLocaleString) costs about a millisecond,
// which thousands of rows cannot afford.
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium", hourCycle: "h23" });

/// "7 Dec 2026, 17:40:25": a moment in the user's locale.
export function dateTime(ms) {
  return DATE_TIME.format(ms);
}

/// "42 s", "16 min", "2 h 05 min", "3 d 4 h": a time in state, short enough for a dense row.
export function inStateText(ms, approximate = false) {
  const s = Math.max(0, Math.floor(ms / 1000));
  let text;
  if (s < 60) text = `${s} s`;
  else if (s < 3600) text = `${Math.floor(s / 60)} min`;
  else if (s < 86400) text = `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
  else text = `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
  return approximate ? `≥ ${text}` : text;
}

// The contact-centre words in the order a supervisor reads them (Huawei's states table, and any
// vendor whose states use the same words); other states follow, by severity then by count.
const CONTACT_CENTRE_ORDER = ["idle", "talking", "busy", "wrap-up", "pre-rest", "rest", "signed in", "signed out"];

/// An account's agents counted by the state word the view shows, each with the worst severity
/// seen in that state: [{ state, count, severity }], in reading order.
export function countsByState(items) {
  const byState = new Map();
  for (const item of items) {
    if (!isAgent(item)) continue;
    const sev = effective(item);
    const c = byState.get(item.state);
    if (!c) byState.set(item.state, { state: item.state, count: 1, severity: sev });
    else {
      c.count += 1;
      if (RANK[sev] > RANK[c.severity]) c.severity = sev;
    }
  }
  const place = (state) => {
    const i = CONTACT_CENTRE_ORDER.indexOf(state);
    return i < 0 ? CONTACT_CENTRE_ORDER.length : i;
  };
  return Array.from(byState.values()).sort(
    (a, b) => place(a.state) - place(b.state) || RANK[a.severity] - RANK[b.severity] || b.count - a.count || a.state.localeCompare(b.state),
  );
}

/// Agents by severity: { critical: n, warning: n, ... } (every severity present, zero or not).
export function countsBySeverity(items) {
  const out = { critical: 0, warning: 0, unknown: 0, info: 0, ok: 0 };
  for (const item of items) if (isAgent(item)) out[effective(item)] = (out[effective(item)] || 0) + 1;
  return out;
}

/// The status's items by account id, in the status's order.
export function byAccount(status) {
  const out = new Map(status.accounts.map((a) => [a.id, []]));
  for (const item of status.agents) {
    let list = out.get(item.account_id);
    if (!list) out.set(item.account_id, (list = []));
    list.push(item);
  }
  return out;
}

/// "1 agent", "2,000 agents".
export function plural(n, word) {
  return `${n.toLocaleString()} ${word}${n === 1 ? "" : "s"}`;
}
