// Settings: poll interval, notifications per severity, start at login.
import { call, asError, describeError } from "./api.js";
import { $ } from "./dom.js";
import { positiveInt } from "./validate.js";

const SEVERITIES = ["critical", "warning", "unknown", "info", "ok"];

function fill(s) {
  const f = $("#settings-form");
  f.elements.namedItem("poll_interval_secs").value = s.poll_interval_secs;
  f.elements.namedItem("enabled").checked = s.notifications.enabled;
  for (const sev of SEVERITIES) f.elements.namedItem(sev).checked = s.notifications[sev];
  f.elements.namedItem("start_at_login").checked = s.start_at_login;
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
}

export function initSettings(configPath) {
  $("#config-path").textContent = configPath;
  const f = $("#settings-form");
  f.elements.namedItem("enabled").addEventListener("change", applyEnabled);
  const interval = f.elements.namedItem("poll_interval_secs");
  interval.addEventListener("input", () => {
    const err = positiveInt(interval.value, { min: 1, max: 3600 });
    $("#set-interval-msg").textContent = err || "";
    if (err) interval.setAttribute("aria-invalid", "true");
    else interval.removeAttribute("aria-invalid");
  });
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    $("#settings-saved").textContent = "";
    const err = interval.value === "" ? "Required" : positiveInt(interval.value, { min: 1, max: 3600 });
    if (err) {
      $("#set-interval-msg").textContent = err;
      interval.setAttribute("aria-invalid", "true");
      interval.focus();
      return;
    }
    const notifications = { enabled: f.elements.namedItem("enabled").checked };
    for (const sev of SEVERITIES) notifications[sev] = f.elements.namedItem(sev).checked;
    const settings = {
      poll_interval_secs: Number(interval.value),
      notifications,
      start_at_login: f.elements.namedItem("start_at_login").checked,
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
