// Maintenance windows on the live view's account cards: "in maintenance until 02:00" on the card
// while one is in force (configured or started here), and in the card's menu End maintenance, or
// else Maintenance 1 h, 4 h and until… (a local date and time). Changes and outages in a window are recorded in the
// history but nobody is notified.
import { call, describeError } from "./api.js";
import { h } from "./dom.js";
import { currentAlerts } from "./alerts.js";

// Open "until…" pickers by account, with what was typed: the cards are redrawn on every poll.
const pickers = new Map();

export function maintenanceFor(account) {
  return (currentAlerts().maintenance || []).find((m) => m.account_id === account && !m.agent_id);
}

async function act(command, args, message) {
  try {
    await call(command, args);
    message.textContent = "";
  } catch (e) {
    message.textContent = describeError(e);
  }
}

function start(account, body, message) {
  pickers.delete(account);
  return act("start_maintenance", { request: { account_id: account, ...body } }, message);
}

// "until…": a local date and time, an hour from now to start with.
function untilPicker(account, who, message) {
  if (!pickers.has(account)) {
    const soon = new Date(Date.now() + 3_600_000 - new Date().getTimezoneOffset() * 60_000);
    pickers.set(account, soon.toISOString().slice(0, 16));
  }
  const input = h("input", {
    type: "datetime-local",
    class: "maint-until",
    value: pickers.get(account),
    dataset: { focusKey: `maint-input:${account}` },
    "aria-label": `End of the maintenance of ${who}`,
    oninput: (e) => pickers.set(account, e.target.value),
  });
  const go = h(
    "button",
    {
      type: "button",
      class: "btn small",
      dataset: { action: "maintenance-until-start", focusKey: `maint-go:${account}` },
      onclick: () => {
        const until = new Date(input.value).getTime();
        if (Number.isNaN(until)) message.textContent = "Choose a date and time.";
        else start(account, { until_ms: until }, message);
      },
    },
    "Start",
  );
  return h("span", { class: "maint-picker" }, input, go);
}

/// "in maintenance until 02:00" on an account card while a window is in force, else nothing.
export function maintenanceChip(account) {
  const m = maintenanceFor(account);
  if (!m) return null;
  return h("span", { class: "chip maint", title: "Changes are recorded in the history; nobody is notified" }, `in maintenance until ${m.until}`);
}

/// The maintenance actions of an account (its card's menu): End maintenance while a window is
/// in force; otherwise Maintenance 1 h, 4 h and until… (a local date and time).
export function maintenanceActions(account, label) {
  const who = label || account;
  const message = h("span", { class: "maint-msg", role: "status" });
  if (maintenanceFor(account)) {
    return h(
      "div",
      { class: "alert-cell maintenance", dataset: { maintenance: "on" } },
      h(
        "button",
        {
          type: "button",
          class: "btn small",
          dataset: { action: "maintenance-end", focusKey: `maint-end:${account}` },
          "aria-label": `End the maintenance of ${who}`,
          onclick: () => act("end_maintenance", { accountId: account }, message),
        },
        "End maintenance",
      ),
      message,
    );
  }
  const preset = (minutes, text) =>
    h(
      "button",
      {
        type: "button",
        class: "btn small",
        dataset: { action: `maintenance-${minutes}`, focusKey: `maint-${minutes}:${account}` },
        title: "Record changes without notifying anyone",
        "aria-label": `Maintenance of ${who} for ${text}`,
        onclick: () => start(account, { minutes }, message),
      },
      `Maintenance ${text}`,
    );
  const picker = h("span", { class: "maint-picker-slot" }, pickers.has(account) ? untilPicker(account, who, message) : null);
  const until = h(
    "button",
    {
      type: "button",
      class: "btn small",
      dataset: { action: "maintenance-until", focusKey: `maint-until:${account}` },
      "aria-label": `Maintenance of ${who} until a time`,
      onclick: () => picker.replaceChildren(untilPicker(account, who, message)),
    },
    "until…",
  );
  return h("div", { class: "alert-cell maintenance" }, preset(60, "1 h"), preset(240, "4 h"), until, picker, message);
}
