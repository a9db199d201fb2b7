// Settings: poll interval, notifications per severity (their sounds in sounds.js), the alert
// policy's main keys, history retention, start at login. Checked as typed; the core checks again on save.
import { call, asError, describeError } from "./api.js";
import { $, $$ } from "./dom.js";
import { positiveInt } from "./validate.js";
import { initSounds, fillSounds, readSounds } from "./sounds.js";
import { loadRoutes } from "./webhooks.js";

const SEVERITIES = ["critical", "warning", "unknown", "info", "ok"];
// name -> [min, max] of the number fields
const NUMBERS = {
  poll_interval_secs: [1, 3600],
  confirm_worse_polls: [1, 20],
  confirm_better_polls: [1, 20],
  remind_every_mins: [0, 10080],
  storm_threshold: [0, 1000],
  retention_days: [1, 3650],
};

function numberError(name) {
  const input = $("#settings-form").elements.namedItem(name);
  const [min, max] = NUMBERS[name];
  if (input.value === "") return "Required";
  return positiveInt(input.value, { min, max });
}

function showError(name, err) {
  const input = $("#settings-form").elements.namedItem(name);
  const msg = $(`#settings-form .msg[data-for="${name}"]`);
  if (msg) msg.textContent = err || "";
  if (err) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function quietErrors() {
  const f = $("#settings-form");
  if (!f.elements.namedItem("quiet_on").checked) return {};
  const errors = {};
  if (!$$('input[name="day"]:checked', f).length) errors.days = "Pick at least one day";
  if (!f.elements.namedItem("quiet_start").value) errors.start = "Required";
  if (!f.elements.namedItem("quiet_end").value) errors.end = "Required";
  return errors;
}

function applyQuiet() {
  const f = $("#settings-form");
  const on = f.elements.namedItem("quiet_on").checked;
  $("#quiet-fields").hidden = !on;
}

function fill(s) {
  const f = $("#settings-form");
  f.elements.namedItem("poll_interval_secs").value = s.poll_interval_secs;
  f.elements.namedItem("enabled").checked = s.notifications.enabled;
  for (const sev of SEVERITIES) f.elements.namedItem(sev).checked = s.notifications[sev];
  fillSounds(s.notifications.sounds);
  f.elements.namedItem("start_at_login").checked = s.start_at_login;
  const a = s.alerts || {};
  for (const name of ["confirm_worse_polls", "confirm_better_polls", "remind_every_mins", "storm_threshold"]) {
    f.elements.namedItem(name).value = a[name] ?? "";
  }
  f.elements.namedItem("retention_days").value = s.retention_days ?? "";
  const q = a.quiet_hours;
  f.elements.namedItem("quiet_on").checked = !!q;
  const quiet = q || { days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], start: "22:00", end: "07:00", allow: "critical" };
  for (const box of $$('input[name="day"]', f)) box.checked = quiet.days.includes(box.value);
  f.elements.namedItem("quiet_start").value = quiet.start;
  f.elements.namedItem("quiet_end").value = quiet.end;
  f.elements.namedItem("quiet_allow").value = quiet.allow;
  for (const name of Object.keys(NUMBERS)) showError(name, null);
  applyQuiet();
  $("#set-autostart-msg").textContent = s.autostart_error || "";
  applyEnabled();
}

function applyEnabled() {
  const f = $("#settings-form");
  const on = f.elements.namedItem("enabled").checked;
  for (const sev of SEVERITIES) f.elements.namedItem(sev).disabled = !on;
}

export async function loadSettings() {
  try {
    fill(await call("get_settings"));
  } catch (err) {
    $("#settings-saved").textContent = describeError(err);
  }
  loadRoutes();
}

export function initSettings(configPath) {
  $("#config-path").textContent = configPath;
  initSounds();
  const f = $("#settings-form");
  f.elements.namedItem("enabled").addEventListener("change", applyEnabled);
  f.elements.namedItem("quiet_on").addEventListener("change", applyQuiet);
  for (const name of Object.keys(NUMBERS)) {
    const input = f.elements.namedItem(name);
    input.addEventListener("input", () => {
      const [min, max] = NUMBERS[name];
      showError(name, positiveInt(input.value, { min, max }));
    });
  }
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    $("#settings-saved").textContent = "";
    let first = null;
    for (const name of Object.keys(NUMBERS)) {
      const err = numberError(name);
      showError(name, err);
      if (err && !first) first = f.elements.namedItem(name);
    }
    const qerr = quietErrors();
    $("#set-days-msg").textContent = qerr.days || "";
    $("#set-quiet-start-msg").textContent = qerr.start || "";
    $("#set-quiet-end-msg").textContent = qerr.end || "";
    if (!first && Object.keys(qerr).length) first = f.elements.namedItem("quiet_on");
    if (first) {
      first.focus();
      return;
    }
    const sounds = readSounds();
    if (!sounds) return;
    const interval = f.elements.namedItem("poll_interval_secs");
    const notifications = { enabled: f.elements.namedItem("enabled").checked, sounds };
    for (const sev of SEVERITIES) notifications[sev] = f.elements.namedItem(sev).checked;
    const num = (name) => Number(f.elements.namedItem(name).value);
    const settings = {
      poll_interval_secs: num("poll_interval_secs"),
      notifications,
      start_at_login: f.elements.namedItem("start_at_login").checked,
      alerts: {
        confirm_worse_polls: num("confirm_worse_polls"),
        confirm_better_polls: num("confirm_better_polls"),
        remind_every_mins: num("remind_every_mins"),
        storm_threshold: num("storm_threshold"),
        quiet_hours: f.elements.namedItem("quiet_on").checked
          ? {
              days: $$('input[name="day"]:checked', f).map((b) => b.value),
              start: f.elements.namedItem("quiet_start").value.slice(0, 5),
              end: f.elements.namedItem("quiet_end").value.slice(0, 5),
              allow: f.elements.namedItem("quiet_allow").value,
            }
          : null,
      },
      retention_days: num("retention_days"),
    };
    try {
      fill(await call("save_settings", { settings }));
      $("#settings-saved").textContent = "Saved.";
    } catch (error) {
      const e2 = asError(error);
      const target = e2.field && f.querySelector(`.msg[data-for="${e2.field}"]`);
      if (target) target.textContent = e2.message;
      else $("#settings-saved").textContent = describeError(e2);
    }
  });
}
