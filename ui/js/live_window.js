// The live table's window: of thousands of rows only those in view, and about a screenful
// around them, are in the document; a spacer row above and one below stand in for the others at
// their exact height, so the scroll bar, Page Down and the scroll position behave as for a full
// table. Rows keep their element while they stay in the window (a poll moves or refills them, it
// does not rebuild them). BENCHMARKS.md has the figures that chose this over drawing every row.
//
// An entry is { key, kind: "row" | "group" }; the table module says how to make its element and
// what to do when it leaves the window.
import { h, $ } from "./dom.js";

const OVERSCAN_PX = 700;
// Draws every row instead of a window when set (the benchmark compares the two ways).
const DRAW_ALL = localStorage.getItem("agentwatch.live.window") === "all";

let nodeOf = () => null;
let release = () => {};
let entries = [];
let index = new Map(); // key -> position in entries
let offsets = [0]; // offsets[i]: top of entry i within the body; offsets[n]: the body's height
const pitch = { row: 28, group: 30 }; // measured distance from one row's top to the next's
let first = 0;
let last = -1;
let rendered = new Map(); // key -> node, in the document now
const keyOf = new WeakMap(); // node -> key
let activeKey = null;
let activeNode = null;
let scheduled = false;
// How long the last redraws took (ms): read by the live view's benchmark (tests/live_bench.rs).
const draws = [];
window.agentwatchWindowDraws = draws;

const spacerTop = h("tr", { class: "spacer", "aria-hidden": "true" }, h("td", { colspan: "5" }));
const spacerBottom = h("tr", { class: "spacer", "aria-hidden": "true" }, h("td", { colspan: "5" }));

function body() {
  return $("#agents-body");
}
function scroller() {
  return $("#main");
}

/// `node(entry)`: the entry's element (made when needed); `leave(entry)`: it left the window.
export function initWindow(node, leave) {
  nodeOf = node;
  release = leave;
  scroller().addEventListener("scroll", () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      drawWindow(false);
    });
  });
  window.addEventListener("resize", () => drawWindow(true));
}

function computeOffsets() {
  offsets = new Array(entries.length + 1);
  let y = 0;
  for (let i = 0; i < entries.length; i++) {
    offsets[i] = y;
    y += pitch[entries[i].kind];
  }
  offsets[entries.length] = y;
}

// Where the body starts in the scroller's content: its top at scroll position zero.
function bodyTop() {
  const s = scroller();
  return body().getBoundingClientRect().top - s.getBoundingClientRect().top + s.scrollTop;
}

// The height the sticky toolbar and column header hide at the top of the scroller.
function stickyHeight() {
  const head = $("#agents-table thead");
  return ($(".live-tools")?.offsetHeight || 0) + (head ? head.offsetHeight : 0);
}

// The first entry whose bottom is below `y` (a position in the body).
function entryAt(y) {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid + 1] <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/// The entries to show, in order. Called on every update: what stays in the window keeps its
/// element; a focused row in view stays where it was on screen.
export function setEntries(list) {
  const focused = focusedEntry();
  entries = list;
  index = new Map(list.map((e, i) => [e.key, i]));
  computeOffsets();
  if (focused && index.has(focused.key)) {
    const s = scroller();
    s.scrollTop = bodyTop() + offsets[index.get(focused.key)] - focused.at;
  }
  drawWindow(true);
  if (focused && document.activeElement !== focused.node && focused.node.isConnected) focused.node.focus({ preventScroll: true });
}

// The row holding the focus, where it stands on screen (from the scroller's top).
function focusedEntry() {
  const el = document.activeElement;
  const row = el && el.closest ? el.closest("#agents-body tr") : null;
  const key = row ? keyOf.get(row) : null;
  if (!key) return null;
  const at = row.getBoundingClientRect().top - scroller().getBoundingClientRect().top;
  return at > -pitch.row && at < scroller().clientHeight ? { key, node: row, at } : null;
}

/// Draws the rows the view needs; `force` also when the window still covers the view.
export function drawWindow(force) {
  const started = performance.now();
  drawRows(force);
  draws.push(performance.now() - started);
  if (draws.length > 300) draws.shift();
}

function drawRows(force) {
  const s = scroller();
  const top = s.scrollTop - bodyTop();
  const bottom = top + s.clientHeight;
  let from = 0;
  let to = entries.length - 1;
  if (!DRAW_ALL) {
    if (!force && entries.length && first <= entryAt(Math.max(0, top)) && last >= entryAt(bottom) && (first === 0 || offsets[first] < top - OVERSCAN_PX / 3) && (last === entries.length - 1 || offsets[last + 1] > bottom + OVERSCAN_PX / 3)) return;
    from = entryAt(Math.max(0, top - OVERSCAN_PX));
    to = Math.min(entries.length - 1, entryAt(bottom + OVERSCAN_PX));
  }
  first = from;
  last = to;
  const now = new Map();
  const desired = [spacerTop];
  for (let i = from; i <= to; i++) {
    const e = entries[i];
    const node = nodeOf(e);
    keyOf.set(node, e.key);
    now.set(e.key, node);
    const rowIndex = String(i + 2); // the column header is row 1
    if (node.getAttribute("aria-rowindex") !== rowIndex) node.setAttribute("aria-rowindex", rowIndex);
    desired.push(node);
  }
  desired.push(spacerBottom);
  spacerTop.firstChild.style.height = `${offsets[from] || 0}px`;
  spacerTop.hidden = !(offsets[from] > 0);
  const rest = offsets[entries.length] - (offsets[to + 1] ?? 0);
  spacerBottom.firstChild.style.height = `${rest}px`;
  spacerBottom.hidden = !(rest > 0);
  reconcile(body(), desired);
  for (const [key, node] of rendered) {
    if (now.has(key)) continue;
    if (node === activeNode) activeNode = null;
    release(key);
  }
  rendered = now;
  $("#agents-table").setAttribute("aria-rowcount", String(entries.length + 1));
  const wanted = (activeKey && rendered.get(activeKey)) || desired[1];
  setActive(wanted && wanted !== spacerBottom ? wanted : null);
  if (measure()) drawRows(true);
}

// The rows' real pitch (density, fonts): when it differs from what the offsets assumed, they
// are computed again. True when they were.
function measure() {
  const nodes = Array.from(rendered.values());
  const seen = new Set();
  let changed = false;
  for (let i = 0; i + 1 < nodes.length && seen.size < 2; i++) {
    const kind = entries[first + i].kind;
    if (seen.has(kind)) continue;
    seen.add(kind);
    const d = nodes[i + 1].getBoundingClientRect().top - nodes[i].getBoundingClientRect().top;
    if (d > 0 && Math.abs(d - pitch[kind]) > 0.01) {
      pitch[kind] = d;
      changed = true;
    }
  }
  if (changed) computeOffsets();
  return changed;
}

function setButtonsTabbable(within, on) {
  for (const b of within.querySelectorAll("button, input")) b.tabIndex = on ? 0 : -1;
}

// The grid's one tab stop: this row (its buttons reachable with Tab), no other.
function setActive(node) {
  if (node === activeNode) return;
  if (activeNode) {
    activeNode.tabIndex = -1;
    setButtonsTabbable(activeNode, false);
  }
  activeNode = node;
  if (node) {
    node.tabIndex = 0;
    setButtonsTabbable(node, true);
  }
}

/// The row (its element) took the focus: it is the grid's tab stop from now on.
export function rowFocused(node) {
  const key = keyOf.get(node);
  if (!key) return;
  activeKey = key;
  setActive(node);
}

/// True for the grid's tab stop (a row drawn again gives its new buttons the same reach).
export function isActive(node) {
  return node === activeNode;
}

/// Where a row (its element) is among the entries, or -1.
export function positionOf(node) {
  const key = node ? keyOf.get(node) : undefined;
  return key === undefined ? -1 : index.get(key) ?? -1;
}

export function entryCount() {
  return entries.length;
}

/// Where the entry with this key is, or -1.
export function positionOfKey(key) {
  return index.get(key) ?? -1;
}

/// Brings entry `i` into view (under the sticky header), draws it and gives it the focus.
export function focusEntry(i) {
  if (entries.length === 0) return;
  const at = Math.max(0, Math.min(entries.length - 1, i));
  const s = scroller();
  const rowTop = bodyTop() + offsets[at];
  const rowBottom = rowTop + pitch[entries[at].kind];
  const hidden = stickyHeight();
  if (rowTop < s.scrollTop + hidden) s.scrollTop = rowTop - hidden;
  else if (rowBottom > s.scrollTop + s.clientHeight) s.scrollTop = rowBottom - s.clientHeight;
  drawWindow(true);
  const node = rendered.get(entries[at].key);
  if (!node) return;
  activeKey = entries[at].key;
  setActive(node);
  node.focus({ preventScroll: true });
}

/// Rows that fit in the view: the step of Page Up and Page Down.
export function pageSize() {
  return Math.max(1, Math.floor((scroller().clientHeight - stickyHeight()) / pitch.row) - 1);
}

// Puts the body's children in the order of `desired`, moving as few as possible: those not
// wanted are removed, the longest run already in order stays, the others are moved in front of
// their successor. Nothing is rebuilt here.
function reconcile(parent, desired) {
  const children = parent.children;
  if (children.length === desired.length && desired.every((n, i) => children[i] === n)) return;
  const wanted = new Map(desired.map((n, i) => [n, i]));
  for (const child of Array.from(children)) if (!wanted.has(child)) child.remove();
  const current = Array.from(children);
  const keep = new Set(longestIncreasing(current.map((n) => wanted.get(n))).map((i) => current[i]));
  let next = null;
  for (let i = desired.length - 1; i >= 0; i--) {
    const node = desired[i];
    if (!keep.has(node)) parent.insertBefore(node, next);
    next = node;
  }
}

// Positions (in `seq`) of one longest strictly increasing subsequence, in O(n log n).
function longestIncreasing(seq) {
  const tails = []; // position in seq of the last element of the best run of each length
  const prev = new Array(seq.length);
  for (let i = 0; i < seq.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]] < seq[i]) lo = mid + 1;
      else hi = mid;
    }
    prev[i] = lo > 0 ? tails[lo - 1] : -1;
    tails[lo] = i;
  }
  const out = [];
  for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = prev[i]) out.push(i);
  return out.reverse();
}
