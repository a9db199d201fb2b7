// Skill queues and team counts on the live view: items of an account (ids `queue:<skill>` and
// `team`) that the core sends among the agents, with their figures. Shown above the account's
// agents as a compact strip of queue tiles (calls waiting, the longest wait, free of signed in)
// coloured by severity, and the team's counts against their limits. The wallboard uses the
// same strip, large. Vendor text only ever goes in as text (dom.js `h`). A tile opens what its
// `open` option does with the item (the Live view: its details, with the policy's decisions).
import { h } from "./dom.js";

const TEAM_ID = "team";
const QUEUE_PREFIX = "queue:";

/// A queue or the team's counts rather than an agent (the live view counts agents only).
export function isItem(agent) {
  return agent.agent_id === TEAM_ID || agent.agent_id.startsWith(QUEUE_PREFIX);
}

/// The account's agents only: what tables and counts of agents take.
export function agentsOnly(list) {
  return list.filter((a) => !isItem(a));
}

function severityOf(item) {
  return item.stale ? "unknown" : item.severity;
}

/// "3 min 20 s", "45 s", "1 h 5 min".
export function waitWords(secs) {
  if (secs < 60) return `${secs} s`;
  if (secs < 3600) return secs % 60 ? `${Math.floor(secs / 60)} min ${secs % 60} s` : `${secs / 60} min`;
  const m = Math.floor((secs % 3600) / 60);
  return m ? `${Math.floor(secs / 3600)} h ${m} min` : `${Math.floor(secs / 3600)} h`;
}

const has = (v) => typeof v === "number" && Number.isFinite(v);

/// One queue's tile: its name, calls waiting (large), the longest wait and the agents free.
/// A figure the gateway did not report shows as "–" with the reason in the tooltip.
function queueTile(q, { large, open }) {
  const f = q.figures || {};
  const name = q.name || `skill ${f.skill_id ?? q.agent_id.slice(QUEUE_PREFIX.length)}`;
  const sev = severityOf(q);
  const unreadable = f.unreadable || null;
  const waiting = has(f.waiting) ? String(f.waiting) : "–";
  const longest = has(f.longest_wait_secs) && has(f.waiting) && f.waiting > 0 ? waitWords(f.longest_wait_secs) : null;
  const free = has(f.available) && has(f.logged_on) ? `${f.available}/${f.logged_on} free` : has(f.available) ? `${f.available} free` : has(f.logged_on) ? `${f.logged_on} signed in` : null;
  const title = [`Queue ${name}: ${q.state}`, q.finding, q.stale ? "last known figures: the account is unreachable" : null]
    .filter(Boolean)
    .join("\n");
  return h(
    "button",
    {
      type: "button",
      class: `qtile sev-${sev}${q.stale ? " stale" : ""}${large ? " large" : ""}`,
      title,
      "aria-label": `Queue ${name}, ${sev}: ${q.state}${open ? ". Open its details and why it did or did not notify" : ""}`,
      dataset: { queue: q.agent_id, account: q.account_id, severity: sev, focusKey: `queue:${q.account_id}/${q.agent_id}` },
      onclick: () => open && open(q),
    },
    h("span", { class: "qname" }, name),
    unreadable
      ? h("span", { class: "qunreadable" }, "unreadable")
      : h("span", { class: "qwaiting" }, h("b", {}, waiting), " waiting"),
    longest ? h("span", { class: "qwait" }, `longest ${longest}`) : null,
    free && !unreadable ? h("span", { class: "qfree" }, free) : null,
  );
}

/// The strip of an account's queues, worst first then by skill; null when it watches none.
export function queueStrip(status, accountId, { large = false, open = null } = {}) {
  const RANK = { critical: 4, warning: 3, unknown: 2, info: 1, ok: 0 };
  const queues = status.agents
    .filter((a) => a.account_id === accountId && a.agent_id.startsWith(QUEUE_PREFIX))
    .sort(
      (a, b) =>
        RANK[severityOf(b)] - RANK[severityOf(a)] ||
        a.agent_id.localeCompare(b.agent_id, undefined, { numeric: true }),
    );
  if (queues.length === 0) return null;
  return h(
    "div",
    { class: `queue-strip${large ? " large" : ""}`, role: "list", "aria-label": `Skill queues of ${queues[0].account_name}` },
    ...queues.map((q) => h("div", { role: "listitem" }, queueTile(q, { large, open }))),
  );
}

/// The team's counts against their limits ("1 idle (min 2) · 1 talking · 1 rest"), coloured by
/// the worst limit crossed; null when the account sets none.
export function teamLine(status, accountId, { large = false, open = null } = {}) {
  const team = status.agents.find((a) => a.account_id === accountId && a.agent_id === TEAM_ID);
  if (!team) return null;
  const sev = severityOf(team);
  const states = team.figures?.states || [];
  const parts = states
    .filter((s) => s.count > 0 || s.over)
    .map((s) => {
      const limit = s.over ? (s.min !== undefined && s.count < s.min ? ` (min ${s.min})` : s.max !== undefined && s.count > s.max ? ` (max ${s.max})` : "") : "";
      return h("span", { class: `tcount${s.over ? ` over sev-${s.over}` : ""}` }, h("b", {}, String(s.count)), ` ${s.state}${limit}`);
    });
  return h(
    "button",
    {
      type: "button",
      class: `team-line sev-${sev}${large ? " large" : ""}`,
      title: [`Team: ${team.state}`, team.finding].filter(Boolean).join("\n"),
      "aria-label": `Team counts, ${sev}: ${team.state}${open ? ". Open their details and why they did or did not notify" : ""}`,
      dataset: { team: team.account_id, severity: sev, focusKey: `team:${team.account_id}` },
      onclick: () => open && open(team),
    },
    h("span", { class: "tlabel" }, "Team"),
    ...(parts.length ? parts : [h("span", { class: "tcount" }, "no agents")]),
  );
}

/// Everything this module shows for one account, for the live view's hook.
export function accountItems(status, accountId, options) {
  const strip = queueStrip(status, accountId, options);
  const team = teamLine(status, accountId, options);
  if (!strip && !team) return null;
  return h("div", { class: "account-items" }, team, strip);
}
