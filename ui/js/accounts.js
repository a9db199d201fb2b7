// Accounts: list, add, edit, remove, test connection, watch list. The secret and proxy password
// fields are write-only: the UI is only told whether one is stored, and never gets it back.
import { call, asError, describeError } from "./api.js";
import { h, $, $$, vendorLabel, setVendorLabels } from "./dom.js";
import * as v from "./validate.js";
import { initTimeLimits, drawTimeLimits, setTimeLimitPresets, checkTimeLimits, collectTimeLimits } from "./time_limits.js";
import { expandPasted, initPicker, closePicker, chips, keepPastedLineBreaks } from "./watchlist.js";
import { initQueueForm, drawQueueForm, setQueueVendor, checkQueueForm, collectQueueForm } from "./queue_form.js";

// Each vendor's form as the core describes it (app_info): its fields, labels, hints, checks,
// the meaning of its secret and its watch-list rule. Nothing here knows a vendor by name.
let forms = [];
let formsLoaded = null;

let accounts = [];
let editing = null; // the account being edited, or null when adding
let watch = [];
let onChange = () => {};

const dialog = () => $("#account-dialog");
const form = () => $("#account-form");
const field = (name) => form().elements.namedItem(name);

/// Reads the vendors' form descriptions once, and fills the vendor choice from them.
function loadForms() {
  formsLoaded ||= call("app_info").then((info) => {
    forms = info.vendors || [];
    setVendorLabels(forms);
    $("#acc-vendor").replaceChildren(...forms.map((f) => h("option", { value: f.id }, f.label)));
  });
  return formsLoaded;
}

function formOf(id) {
  return forms.find((f) => f.id === id) || forms[0];
}

export function initAccounts(changed) {
  onChange = changed;
  loadForms().catch(() => {});
  $("#btn-add-account").addEventListener("click", () => openForm(null));
  $("#acc-vendor").addEventListener("change", () => {
    clearMessages();
    closePicker();
    drawVendorFields({});
    setTimeLimitPresets(formOf(vendor()).time_limit_presets);
    setQueueVendor(formOf(vendor()));
    applyVendor();
  });
  $("#acc-all").addEventListener("change", applyVendor);
  initTimeLimits();
  initQueueForm({
    account: () => collect(),
    secrets: () => ({ secret: field("secret").value || null, proxySecret: field("proxy_secret").value || null }),
  });
  $("#acc-watch-add").addEventListener("click", addWatch);
  $("#acc-watch-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      addWatch();
    }
  });
  $("#acc-cancel").addEventListener("click", () => dialog().close());
  $("#acc-test").addEventListener("click", testConnection);
  form().addEventListener("submit", (e) => {
    e.preventDefault();
    save();
  });
  // Validate in place as the user leaves a field.
  for (const name of ["id", "base_url", "poll_interval_secs", "timeout_secs"]) {
    field(name).addEventListener("blur", () => checkField(name));
    field(name).addEventListener("input", () => showMessage(name, null));
  }
  $("#acc-watch-input").addEventListener("input", () => showMessage("watch", null));
  // "Type the secret once" goes as soon as something is typed (the core checks it on save).
  for (const name of ["secret", "proxy_secret"]) {
    field(name).addEventListener("input", () => showMessage(name, null));
  }
  keepPastedLineBreaks($("#acc-watch-input"));
  initPicker({
    account: () => collect(),
    secrets: () => ({ secret: field("secret").value || null, proxySecret: field("proxy_secret").value || null }),
    current: () => watch,
    apply: (ids) => {
      watch = ids;
      $("#acc-all").checked = false;
      showMessage("watch", null);
      applyVendor();
    },
    all: () => {
      watch = [];
      $("#acc-all").checked = true;
      applyVendor();
    },
  });
}

export async function loadAccounts() {
  try {
    await loadForms();
    accounts = await call("list_accounts");
  } catch (err) {
    accounts = [];
    $("#accounts-list").replaceChildren(h("p", { class: "empty" }, describeError(err)));
    return;
  }
  render();
}

function secretText(a) {
  return {
    keyring: ["stored", "Secret stored in the keyring"],
    environment: ["stored", "Secret from the environment"],
    memory: ["stored", "Secret held in memory (demo)"],
    missing: ["missing", "No secret stored"],
    not_needed: ["stored", "No secret needed"],
    unavailable: ["unavailable", `Keyring unavailable${a.secret_error ? `: ${a.secret_error.message}` : ""}`],
  }[a.secret] || ["missing", a.secret];
}

function watchText(a) {
  if (!a.watch || a.watch.length === 0) return "all agents";
  if (a.watch.length <= 6) return `watching ${a.watch.join(", ")}`;
  return `watching ${a.watch.length} agents`;
}

function render() {
  const list = $("#accounts-list");
  if (accounts.length === 0) {
    list.replaceChildren(
      h("p", { class: "empty" }, `No accounts yet. Add one per vendor API you want to watch: ${forms.map((f) => f.label).join(", ")}.`),
    );
    return;
  }
  list.replaceChildren(
    ...accounts.map((a) => {
      const [cls, text] = secretText(a);
      return h(
        "div",
        { class: "arow", dataset: { account: a.id } },
        h(
          "div",
          { class: "main" },
          h("div", { class: "title" }, a.name || a.id, " ", h("span", { class: "vendor" }, vendorLabel(a.vendor))),
          h("div", { class: "sub" }, `${a.id} · ${a.base_url || formOf(a.vendor)?.default_base_url || ""} · ${watchText(a)}`),
        ),
        h("span", { class: `secret-state ${cls}` }, text),
        h("button", { type: "button", class: "btn small", "aria-label": `Edit ${a.name || a.id}`, onclick: () => openForm(a) }, "Edit"),
        h("button", { type: "button", class: "btn small", "aria-label": `Remove ${a.name || a.id}`, onclick: () => remove(a) }, "Remove"),
      );
    }),
  );
}

/// Opens the account form, to add an account (of `vendorId` when given) or edit `account`.
/// Exported for the first-run view, which opens it with a vendor preselected.
export async function openAccountForm(vendorId = null, account = null) {
  await loadForms();
  openForm(account, vendorId);
}

function openForm(account, vendorId = null) {
  editing = account;
  form().reset();
  clearMessages();
  $("#test-result").hidden = true;
  $("#account-title").textContent = account ? `Edit ${account.name || account.id}` : "Add account";
  const a = account || { vendor: formOf(vendorId)?.id, watch: [] };
  field("vendor").value = a.vendor;
  field("vendor").disabled = !!account;
  field("id").value = a.id || "";
  field("id").readOnly = !!account;
  for (const name of ["name", "base_url", "ca_file", "proxy"]) {
    field(name).value = a[name] || "";
  }
  field("poll_interval_secs").value = a.poll_interval_secs || "";
  field("timeout_secs").value = a.timeout_secs || "";
  watch = [...(a.watch || [])];
  closePicker();
  drawVendorFields(a);
  drawTimeLimits(a.time_limits, formOf(a.vendor).time_limit_presets);
  drawQueueForm(a, formOf(a.vendor));
  $("#acc-all").checked = !!account && !formOf(a.vendor).watch.required && watch.length === 0;
  applyVendor();
  dialog().showModal();
  (account ? field("name") : field("vendor")).focus();
}

function vendor() {
  return field("vendor").value;
}

// A dotted name ("fields.list") is a key of a nested table.
function getPath(obj, name) {
  return name.split(".").reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);
}
function setPath(obj, name, value) {
  const keys = name.split(".");
  const last = keys.pop();
  let o = obj;
  for (const k of keys) o = o[k] ||= {};
  o[last] = value;
}
const inputId = (name) => `acc-${name.replace(/[._]/g, "-")}`;

// A map field is typed one `key = value` per line.
function mapToText(map) {
  return Object.entries(map || {}).map(([k, val]) => `${k} = ${val}`).join("\n");
}
function textToMap(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (!line.trim()) continue;
    if (at < 0) return null;
    const key = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim().replace(/^"|"$/g, "");
    if (!key || !value) return null;
    out[key] = value;
  }
  return out;
}

/// Draws the vendor's own fields from its description, filled from `a` (the account edited).
function drawVendorFields(a) {
  const f = formOf(vendor());
  $("#acc-vendor-fields").replaceChildren(
    ...(f ? f.fields : []).map((d) => {
      const id = inputId(d.name);
      const value = getPath(a, d.name);
      const described = [d.hint ? `${id}-hint` : null, `${id}-msg`].filter(Boolean).join(" ");
      let input;
      if (d.kind === "select") {
        input = h("select", { id, name: d.name }, ...d.options.map((o) => h("option", { value: o.value }, o.label)));
        input.value = value ?? d.default ?? d.options[0]?.value;
        input.addEventListener("change", applyVendor);
      } else if (d.kind === "map") {
        input = h("textarea", { id, name: d.name, rows: 4, spellcheck: "false", placeholder: d.placeholder, "aria-describedby": described });
        input.value = mapToText(value);
      } else {
        input = h("input", { id, name: d.name, autocomplete: "off", spellcheck: "false", placeholder: d.placeholder, "aria-describedby": described });
        input.value = value ?? (a.id ? "" : d.default ?? "");
        input.addEventListener("input", () => { showMessage(d.name, null); applyVendor(); });
      }
      input.addEventListener("blur", () => checkVendorField(d));
      return h(
        "div",
        { class: `field${d.kind === "map" || d.hint ? " wide" : ""}`, dataset: { vendorField: d.name } },
        h("label", { for: id }, d.label),
        input,
        d.hint ? h("p", { class: "hint", id: `${id}-hint` }, d.hint) : null,
        h("p", { class: "msg", id: `${id}-msg`, "data-for": d.name }),
      );
    }),
  );
}

function holds(when) {
  if (!when) return true;
  const el = field(when.field);
  return !!el && (el.value || "").trim() === when.value;
}

function visibleFields() {
  return formOf(vendor()).fields.filter((d) => holds(d.when));
}

function secretOptional() {
  const when = formOf(vendor()).secret_optional_when;
  return !!when && holds(when);
}

function applyVendor() {
  const f = formOf(vendor());
  if (!f) return;
  for (const el of $$("[data-vendor-field]", form())) {
    const d = f.fields.find((x) => x.name === el.dataset.vendorField);
    el.hidden = !d || !holds(d.when);
  }
  $("#acc-base-url-hint").textContent = f.base_url_hint;
  // Examples of this vendor's own: a Segura account is no "Contact centre".
  field("id").placeholder = f.placeholders.id;
  field("name").placeholder = f.placeholders.name;
  field("base_url").placeholder = f.placeholders.base_url;
  $("#acc-secret-label").textContent = (f.secret_labels.find((s) => holds(s.when)) || { label: "Secret" }).label;
  const stored = editing && ["keyring", "environment", "memory"].includes(editing.secret);
  $("#acc-secret-hint").textContent = stored
    ? "A secret is stored. Leave empty to keep it; type a new one to replace it."
    : secretOptional()
      ? "Not needed: this account sends no credentials."
      : "Stored in the system keyring, never in the configuration file.";
  field("secret").placeholder = stored ? "•••••••• (stored)" : "";
  const proxyStored = editing && ["keyring", "environment", "memory"].includes(editing.proxy_secret);
  $("#acc-proxy-secret-hint").textContent = proxyStored
    ? "A proxy password is stored. Leave empty to keep it; type a new one to replace it."
    : "Only for a proxy URL that names a user; kept in the system keyring.";
  field("proxy_secret").placeholder = proxyStored ? "•••••••• (stored)" : "";
  // A vendor without a list call needs its agents named; the others may watch all.
  const allAllowed = !f.watch.required;
  $("#acc-all-wrap").hidden = !allAllowed;
  if (!allAllowed) $("#acc-all").checked = false;
  const all = $("#acc-all").checked;
  $("#watch-add").hidden = all;
  $("#acc-watch-list").hidden = all;
  $("#acc-watch-hint").hidden = all;
  $("#acc-watch-input").placeholder = f.watch.placeholder;
  renderWatch();
}

function renderWatch() {
  const remove = (id) => {
    watch = watch.filter((w) => w !== id);
    renderWatch();
  };
  const clear = () => {
    watch = [];
    renderWatch();
  };
  $("#acc-watch-list").replaceChildren(...chips(watch, remove, clear));
}

/// Adds what was typed or pasted: ids, lists and ranges ("101-150, 201"), read by the core;
/// a bad piece is named beside the field and nothing is added.
async function addWatch() {
  const input = $("#acc-watch-input");
  const { ids, error } = await expandPasted(input.value);
  if (error) {
    showMessage("watch", error);
    input.focus();
    return;
  }
  if (ids.length === 0) return;
  const rule = formOf(vendor()).watch;
  for (const id of ids) {
    const err = rule.pattern && !new RegExp(rule.pattern).test(id) ? `${rule.pattern_message} ("${id}" is not)` : null;
    if (err) {
      showMessage("watch", err);
      input.focus();
      return;
    }
  }
  const have = new Set(watch);
  for (const id of ids) if (!have.has(id)) watch.push(id);
  input.value = "";
  showMessage("watch", null);
  renderWatch();
  input.focus();
}

function showMessage(name, text) {
  const msg = form().querySelector(`.msg[data-for="${name}"]`);
  const input = name === "watch" ? $("#acc-watch-input") : field(name);
  if (msg) msg.textContent = text || "";
  if (input && input.setAttribute) {
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  if (!msg && text) $("#form-msg").textContent = text;
}

function clearMessages() {
  for (const m of $$(".msg", form())) m.textContent = "";
  for (const i of $$("[aria-invalid]", form())) i.removeAttribute("aria-invalid");
}

function checkField(name) {
  const value = (field(name).value || "").trim();
  let err = null;
  if (name === "id") err = v.accountId(value);
  if (name === "base_url") err = v.baseUrl(value, !formOf(vendor()).default_base_url);
  if (name === "poll_interval_secs" || name === "timeout_secs") err = v.positiveInt(value);
  showMessage(name, err);
  return !err;
}

/// A vendor field against its description: required, and the pattern when there is a value.
function checkVendorField(d) {
  if (!holds(d.when)) return true;
  const raw = field(d.name).value || "";
  const value = raw.trim();
  let err = null;
  if (!value) err = d.required ? `${d.label} is required` : null;
  else if (d.kind === "map") err = textToMap(raw) ? null : "One per line: state = severity";
  else if (d.pattern && !new RegExp(d.pattern).test(value)) err = d.pattern_message || "Not valid here";
  showMessage(d.name, err);
  return !err;
}

function checkAll() {
  clearMessages();
  $("#form-msg").textContent = "";
  let ok = ["id", "base_url", "poll_interval_secs", "timeout_secs"].map(checkField).every(Boolean);
  ok = visibleFields().map(checkVendorField).every(Boolean) && ok;
  if (formOf(vendor()).watch.required && watch.length === 0) {
    showMessage("watch", "Add the agent ids to watch: this vendor has no list of agents");
    ok = false;
  }
  ok = checkTimeLimits() && ok;
  ok = checkQueueForm() && ok;
  if (!editing && !field("secret").value && !secretOptional()) {
    showMessage("secret", "Type the secret once: it goes to the keyring");
    ok = false;
  }
  return ok;
}

// The account as the core's config expects it: the shared keys and this vendor's own.
function collect() {
  const vend = vendor();
  const text = (name) => (field(name).value || "").trim() || undefined;
  const num = (name) => (field(name).value ? Number(field(name).value) : undefined);
  const a = {
    id: text("id"),
    vendor: vend,
    name: text("name") || "",
    base_url: text("base_url"),
    ca_file: text("ca_file"),
    proxy: text("proxy"),
    watch: !formOf(vend).watch.required && $("#acc-all").checked ? [] : [...watch],
    poll_interval_secs: num("poll_interval_secs"),
    timeout_secs: num("timeout_secs"),
  };
  if (editing) {
    a.enabled = editing.enabled !== false;
    a.severity = editing.severity || {};
  }
  const limits = collectTimeLimits();
  if (Object.keys(limits).length) a.time_limits = limits;
  // Only the fields shown: a hidden one (Huawei's work number with a Guid) does not apply.
  for (const d of visibleFields()) {
    const raw = field(d.name).value || "";
    if (d.kind === "map") {
      const map = textToMap(raw);
      if (map && Object.keys(map).length) setPath(a, d.name, map);
    } else if (raw.trim()) {
      setPath(a, d.name, raw.trim());
    }
  }
  collectQueueForm(a);
  for (const k of Object.keys(a)) if (a[k] === undefined) delete a[k];
  return a;
}

function showServerError(err) {
  const e = asError(err);
  if (e.kind === "invalid" && e.field) {
    // A limit's key (time_limits.rest.warning, queues.waiting.critical, team.min_in_state.idle)
    // is shown by its section's editor.
    const section = ["time_limits", "queues", "team"].find((s) => e.field === s || e.field.startsWith(`${s}.`));
    const name = section || e.field;
    const known = form().querySelector(`.msg[data-for="${name}"]`);
    if (known) {
      showMessage(name, e.message);
      return;
    }
  }
  $("#form-msg").textContent = describeError(e);
  reveal($("#form-msg"));
}

/// Scrolls the dialog to `el` when it is out of sight: the result of a click on the footer's
/// buttons appears below the fields, under the fold of a long form (CSS keeps it clear of the
/// sticky footer with scroll-margin-bottom).
function reveal(el) {
  el.scrollIntoView({ block: "nearest" });
}

function busy(on) {
  for (const id of ["#acc-save", "#acc-test"]) $(id).disabled = on;
}

async function testConnection() {
  const ok = ["id", "base_url"].map(checkField).every(Boolean);
  if (!ok) return;
  const box = $("#test-result");
  box.hidden = false;
  box.className = "test-result busy";
  box.textContent = "Testing the connection…";
  reveal(box);
  busy(true);
  try {
    const secret = field("secret").value || null;
    const proxySecret = field("proxy_secret").value || null;
    const r = await call("test_connection", { account: collect(), secret, proxySecret });
    if (r.ok) {
      box.className = "test-result ok";
      const sample = r.sample.length ? ` — ${r.sample.join(", ")}${r.agents > r.sample.length ? ", …" : ""}` : "";
      // A running account is asked through the engine's own session, never signed in twice.
      const how = r.running_session ? `${r.route}, through the running session` : r.route;
      box.textContent = `Connected: ${r.agents} agent${r.agents === 1 ? "" : "s"} visible${sample} (${how})`;
      // What was typed worked: no field is still marked as missing its secret.
      showMessage("secret", null);
      showMessage("proxy_secret", null);
    } else {
      box.className = "test-result fail";
      box.textContent = `Failed — ${describeError(r.error)} (${r.route})`;
    }
  } catch (err) {
    box.className = "test-result fail";
    box.textContent = `Failed — ${describeError(err)}`;
    showServerError(err);
  } finally {
    busy(false);
    reveal(box);
  }
}

async function save() {
  if (!checkAll()) {
    const first = form().querySelector("[aria-invalid='true']");
    if (first) first.focus();
    return;
  }
  busy(true);
  try {
    const secret = field("secret").value || null;
    const proxySecret = field("proxy_secret").value || null;
    accounts = await call("save_account", { account: collect(), secret, proxySecret, isNew: !editing });
    field("secret").value = "";
    field("proxy_secret").value = "";
    dialog().close();
    render();
    onChange();
  } catch (err) {
    showServerError(err);
  } finally {
    busy(false);
  }
}

async function remove(account) {
  const confirm = $("#confirm-dialog");
  $("#confirm-text").textContent = `${account.name || account.id} (${vendorLabel(account.vendor)}) will no longer be watched, and its secret is deleted from the keyring.`;
  confirm.returnValue = "";
  confirm.showModal();
  confirm.addEventListener(
    "close",
    async () => {
      if (confirm.returnValue !== "ok") return;
      try {
        accounts = await call("delete_account", { id: account.id });
        render();
        onChange();
      } catch (err) {
        $("#accounts-list").prepend(h("p", { class: "msg", role: "alert" }, describeError(err)));
      }
    },
    { once: true },
  );
}
