// Settings › Sounds: a sound per severity (a name from the desktop's sound theme or a sound
// file), whether reminders of a critical agent sound again, presets, and "Play". Every severity
// is silent until chosen. The core checks names and files again on save (and "Play" first).
import { call, asError, describeError } from "./api.js";
import { $, h } from "./dom.js";

const SEVERITIES = [
  ["critical", "critical", "failures"],
  ["warning", "warning", ""],
  ["unknown", "unknown", "unreachable accounts"],
  ["info", "info", ""],
  ["ok", "ok", "recoveries"],
];

// Freedesktop sound-naming names found in the common sound themes.
const THEME_SOUNDS = [
  ["alarm-clock-elapsed", "Alarm clock"],
  ["phone-incoming-call", "Phone ringing"],
  ["dialog-error", "Error"],
  ["dialog-warning", "Warning"],
  ["message-new-instant", "New message"],
  ["bell", "Bell"],
  ["complete", "Done"],
  ["dialog-information", "Information"],
];

const OFF = "";
const FILE = "file";

const PRESETS = {
  silent: { repeat_critical: false },
  critical: { critical: "alarm-clock-elapsed", repeat_critical: true },
  loud: {
    critical: "alarm-clock-elapsed",
    warning: "dialog-warning",
    unknown: "dialog-warning",
    repeat_critical: true,
  },
};

const box = () => $("#sound-settings");
const choice = (sev) => $(`select[name="sound_${sev}"]`, box());
const fileInput = (sev) => $(`input[name="sound_file_${sev}"]`, box());
const msg = (sev) => $(`.msg[data-for="sounds.${sev}"]`, box());

function row([sev, label, note]) {
  const id = `set-sound-${sev}`;
  const options = [
    h("option", { value: OFF }, "No sound"),
    ...THEME_SOUNDS.map(([name, title]) => h("option", { value: name }, `${title} (${name})`)),
    h("option", { value: FILE }, "Sound file…"),
  ];
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, h("span", { class: `badge sev-${sev}` }, label), note ? ` ${note}` : ""),
    h(
      "div",
      { class: "sound-row" },
      h("select", { id, name: `sound_${sev}`, "aria-describedby": `${id}-msg`, onchange: () => applyChoice(sev) }, options),
      h("button", { type: "button", class: "btn small", dataset: { play: sev }, "aria-label": `Play the ${label} sound`, onclick: () => play(sev) }, "Play"),
    ),
    h("input", {
      name: `sound_file_${sev}`,
      type: "text",
      placeholder: "/usr/share/sounds/freedesktop/stereo/alarm-clock-elapsed.oga",
      "aria-label": `Sound file for ${label}`,
      "aria-describedby": `${id}-msg`,
      hidden: true,
      oninput: () => showError(sev, null),
    }),
    h("p", { class: "msg", id: `${id}-msg`, dataset: { for: `sounds.${sev}` } }),
  );
}

function applyChoice(sev) {
  fileInput(sev).hidden = choice(sev).value !== FILE;
  showError(sev, null);
}

function showError(sev, err) {
  msg(sev).textContent = err || "";
  const input = choice(sev).value === FILE ? fileInput(sev) : choice(sev);
  for (const el of [choice(sev), fileInput(sev)]) el.removeAttribute("aria-invalid");
  if (err) input.setAttribute("aria-invalid", "true");
}

// The sound chosen for a severity: a theme name, a file path, or null; or an error to show.
function chosen(sev) {
  const value = choice(sev).value;
  if (value === OFF) return { sound: null };
  if (value !== FILE) return { sound: value };
  const path = fileInput(sev).value.trim();
  if (!path) return { error: "Type the sound file's path, or pick a sound" };
  if (!path.startsWith("/")) return { error: "Must be an absolute path (starting with /)" };
  return { sound: path };
}

function setSound(sev, sound) {
  const select = choice(sev);
  const known = !sound || THEME_SOUNDS.some(([name]) => name === sound);
  if (sound && sound.includes("/")) {
    select.value = FILE;
    fileInput(sev).value = sound;
  } else {
    if (!known && !select.querySelector(`option[value="${CSS.escape(sound)}"]`)) {
      // A theme name written into the config by hand: kept and shown as it is.
      select.insertBefore(h("option", { value: sound }, sound), select.lastElementChild);
    }
    select.value = sound || OFF;
    fileInput(sev).value = "";
  }
  applyChoice(sev);
}

// Fills the fieldset from `notifications.sounds` (absent when every severity is silent).
export function fillSounds(sounds) {
  const s = sounds || {};
  for (const [sev] of SEVERITIES) setSound(sev, s[sev] || null);
  $('input[name="repeat_critical"]', box()).checked = !!s.repeat_critical;
  $("#sound-played").textContent = "";
}

// The `sounds` object for `save_settings`, or null after showing what is wrong (and focusing it).
export function readSounds() {
  const sounds = { repeat_critical: $('input[name="repeat_critical"]', box()).checked };
  let first = null;
  for (const [sev] of SEVERITIES) {
    const { sound, error } = chosen(sev);
    showError(sev, error);
    if (error && !first) first = fileInput(sev);
    sounds[sev] = sound ?? null;
  }
  if (first) {
    first.focus();
    return null;
  }
  return sounds;
}

async function play(sev) {
  const { sound, error } = chosen(sev);
  const said = $("#sound-played");
  said.textContent = "";
  if (error) return showError(sev, error);
  if (!sound) {
    said.textContent = "No sound is chosen for this severity.";
    return;
  }
  try {
    await call("preview_sound", { sound, field: `sounds.${sev}` });
    said.textContent =
      "Sent as a notification carrying the sound: the desktop's notification service plays it " +
      "(GNOME and KDE do; some, such as dunst, play none).";
  } catch (err) {
    const e = asError(err);
    if (e.field) showError(sev, e.message);
    else said.textContent = describeError(e);
  }
}

function applyPreset(name) {
  const preset = PRESETS[name];
  for (const [sev] of SEVERITIES) setSound(sev, preset[sev] || null);
  $('input[name="repeat_critical"]', box()).checked = preset.repeat_critical;
  $("#sound-played").textContent = "Preset applied: save the settings to keep it.";
}

// Builds the fieldset inside `#sound-settings` (once, when the dashboard starts).
export function initSounds() {
  const root = box();
  root.replaceChildren(
    h("legend", {}, "Sounds"),
    h(
      "p",
      { class: "hint" },
      "Played by the desktop with the notification. Silent unless chosen here.",
    ),
    h(
      "div",
      { class: "sound-presets", role: "group", "aria-label": "Sound presets" },
      h("button", { type: "button", class: "btn small", dataset: { preset: "silent" }, onclick: () => applyPreset("silent") }, "Silent"),
      h("button", { type: "button", class: "btn small", dataset: { preset: "critical" }, onclick: () => applyPreset("critical") }, "Alarm on critical"),
      h("button", { type: "button", class: "btn small", dataset: { preset: "loud" }, onclick: () => applyPreset("loud") }, "Alarm and warnings"),
    ),
    h("div", { class: "grid" }, SEVERITIES.map(row)),
    h(
      "label",
      { class: "check" },
      h("input", { type: "checkbox", name: "repeat_critical", id: "set-sound-repeat" }),
      " Reminders of an unacknowledged critical agent sound again (otherwise they are silent)",
    ),
    h("p", { class: "msg", id: "sound-played", role: "status" }),
  );
}
