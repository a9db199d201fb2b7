// Tiny DOM helpers. Text from vendors is untrusted: it only ever goes in as text nodes.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  return fill(el, ...children);
}

/// Replaces the children of `el`, as `h` adds them: nested lists flattened, text as text nodes,
/// and `null`, `undefined` and `false` (a part left out) skipped. The DOM's own
/// `replaceChildren` would write a left-out part as the word "null".
export function fill(el, ...children) {
  el.replaceChildren();
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

export function badge(severity) {
  return h("span", { class: `badge sev-${severity}` }, severity);
}

// Short vendor names, from the core's vendor registry (app_info) once it has answered.
const VENDORS = {};
export function setVendorLabels(forms) {
  for (const f of forms) VENDORS[f.id] = f.short_label;
}
export function vendorLabel(v) {
  return VENDORS[v] || v;
}

export function ago(ms, now = Date.now()) {
  if (!ms) return "—";
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const hrs = Math.floor(m / 60);
  if (hrs < 24) return `${hrs} h ${m % 60} min ago`;
  return `${Math.floor(hrs / 24)} d ${hrs % 24} h ago`;
}

export function clock(ms) {
  if (!ms) return "—";
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
}
