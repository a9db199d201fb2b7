// An agent's details, opened from its live row (Enter, or a click on its name): what the live
// view knows of it (the whole id, the state and the vendor's value, since when, its time limit,
// its alerts with their actions), its lane over the last 24 hours, its latest history rows and
// the alert policy's recent decisions about it. The facts follow the polls while it is open.
import { h, $, badge, clock, vendorLabel } from "./dom.js";
import { call, describeError } from "./api.js";
import { alertCell, decisionsAbout, decisionItem } from "./alerts.js";
import { duration, what, KIND_LABEL } from "./history.js";
import { timeInStateNote } from "./time_limits.js";
import { effective, enteredMs, inStateText, isApproximate } from "./items.js";
import { copyText } from "./clipboard.js";

const DAY = 86_400_000;
let current = null; // { account_id, agent_id }

function dialog() {
  return $("#agent-dialog");
}

export function detailOpen() {
  return dialog().open;
}

/// Opens the details of `item` (an agent of the status), with its account's status.
export function openDetail(item, account) {
  current = { account_id: item.account_id, agent_id: item.agent_id };
  $("#agent-msg").textContent = "";
  drawFacts(item, account);
  drawDecisions();
  const d = dialog();
  if (!d.open) d.showModal();
  $("#agent-close").focus();
  loadHistory(item);
}

/// Keeps the open details up to date with a new status (and alert view).
export function updateDetail(status) {
  if (!current || !dialog().open) return;
  const item = status.agents.find((a) => a.account_id === current.account_id && a.agent_id === current.agent_id);
  const account = status.accounts.find((a) => a.id === current.account_id);
  if (item) drawFacts(item, account);
  else $("#agent-state-line").textContent = "No longer in the account's answer.";
  drawDecisions();
}

function fact(label, ...value) {
  return [h("dt", {}, label), h("dd", {}, ...value)];
}

function drawFacts(item, account) {
  const sev = effective(item);
  const label = item.name || item.agent_id;
  const now = Date.now();
  $("#agent-title").replaceChildren(badge(sev), " ", label);
  $("#agent-state-line").replaceChildren(
    h(
      "span",
      {},
      h("strong", {}, item.state),
      item.native !== item.state ? h("span", { class: "muted" }, ` (vendor value ${item.native})`) : null,
      ` for ${inStateText(now - enteredMs(item), isApproximate(item))}`,
      item.stale && account && account.last_success_ms ? h("span", { class: "as-of" }, ` · last known, as of ${clock(account.last_success_ms)}`) : null,
    ),
  );
  const copy = h(
    "button",
    {
      type: "button",
      class: "btn small",
      onclick: async () => {
        $("#agent-msg").textContent = (await copyText(item.agent_id)) ? "The id is on the clipboard." : "Copying was refused: select the id and press Ctrl+C.";
      },
    },
    "Copy id",
  );
  $("#agent-facts").replaceChildren(
    ...fact("Agent id", h("code", { class: "full-id" }, item.agent_id), " ", copy),
    ...(item.name ? fact("Name", item.name) : []),
    ...fact("Account", `${item.account_name} `, h("span", { class: "vendor" }, vendorLabel(item.vendor))),
    ...fact("In this state since", `${new Date(enteredMs(item)).toLocaleString()}${isApproximate(item) ? " (or earlier: it was in it when watching began)" : ""}`),
    ...(item.time_in_state && item.time_in_state.limit ? fact("Time limit", timeInStateNote(item, now)) : []),
    ...(item.detail ? fact("Detail", item.detail) : []),
    ...fact("Last poll", account && account.last_poll_ms ? clock(account.last_poll_ms) : "—"),
    ...fact("Alerts", alertCell(item.account_id, item.agent_id, label)),
  );
}

function drawDecisions() {
  const list = decisionsAbout(current.account_id, current.agent_id).slice(0, 20);
  $("#agent-why").replaceChildren(...list.map(decisionItem));
  $("#agent-why-empty").hidden = list.length > 0;
}

async function loadHistory(item) {
  const now = Date.now();
  const since = now - DAY;
  const lane = $("#agent-lane");
  const rows = $("#agent-history");
  lane.replaceChildren(h("p", { class: "hint" }, "Loading…"));
  rows.replaceChildren();
  const asked = current;
  try {
    const [timeline, history] = await Promise.all([
      call("timeline", { sinceMs: since, untilMs: now, account: item.account_id, agent: item.agent_id }),
      call("history", { query: { since_ms: since, account: item.account_id, agent: item.agent_id, kinds: [], limit: 30 } }),
    ]);
    if (asked !== current) return; // another agent was opened meanwhile
    const bands = (timeline[0] ? timeline[0].bands : []).filter((b) => b.agent_id === item.agent_id || !b.agent_id);
    drawLane(lane, bands, since, now);
    rows.replaceChildren(
      ...history.map((r) =>
        h(
          "tr",
          { dataset: { kind: r.kind } },
          h("td", { class: "time" }, clock(r.at_ms)),
          h("td", {}, h("span", { class: `kind k-${r.kind}` }, KIND_LABEL[r.kind] || r.kind)),
          h("td", {}, what(r)),
          h("td", {}, r.severity ? badge(r.severity) : "—"),
        ),
      ),
    );
    $("#agent-history-empty").hidden = history.length > 0;
  } catch (e) {
    lane.replaceChildren(h("p", { class: "msg" }, describeError(e)));
  }
}

// The agent's states (and its account's outages, on a thin line under them) as coloured
// segments over the window, each with its words in a tooltip and for screen readers.
function drawLane(box, bands, t0, t1) {
  const span = t1 - t0;
  const segment = (b) => {
    const from = Math.max(b.from_ms, t0);
    const to = b.to_ms ?? t1;
    const words = `${b.state} (${b.severity}), ${clock(from)} – ${b.to_ms ? clock(to) : "now"}, ${duration(to - from)}${b.detail ? ` · ${b.detail}` : ""}`;
    const el = h("div", { class: `seg b-${b.severity}`, role: "listitem", title: words, "aria-label": words });
    el.style.left = `${((from - t0) / span) * 100}%`;
    el.style.width = `${Math.max(0.4, ((to - from) / span) * 100)}%`;
    return el;
  };
  const own = bands.filter((b) => b.agent_id);
  const outages = bands.filter((b) => !b.agent_id);
  // (replaceChildren writes a null as the text "null": every part here is a node.)
  const parts = [
    own.length === 0 ? h("p", { class: "hint" }, "Nothing recorded for this agent in the last 24 hours.") : null,
    h("div", { class: "lane", role: "list", "aria-label": "States over the last 24 hours" }, own.map(segment)),
    outages.length ? h("div", { class: "lane outages", role: "list", "aria-label": "Account outages over the last 24 hours" }, outages.map(segment)) : null,
    h("div", { class: "lane-axis", "aria-hidden": "true" }, h("span", {}, "24 h ago"), h("span", {}, "12 h ago"), h("span", {}, "now")),
  ];
  box.replaceChildren(...parts.filter(Boolean));
}

/// Shows this agent in the History tab, with the tab's filters set to it.
function openInHistory() {
  if (!current) return;
  const select = $("#hist-account");
  if (!Array.from(select.options).some((o) => o.value === current.account_id)) {
    select.append(h("option", { value: current.account_id }, current.account_id));
  }
  select.value = current.account_id;
  $("#hist-agent").value = current.agent_id;
  dialog().close();
  $("#tab-history").click();
}

export function initDetail() {
  $("#agent-close").addEventListener("click", () => dialog().close());
  $("#agent-open-history").addEventListener("click", openInHistory);
  dialog().addEventListener("close", () => {
    current = null;
  });
}
