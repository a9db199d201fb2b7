// How the supervisor set up the live view, kept across polls and restarts (the webview's local
// storage, in the app's data folder): the filter text, the severities shown, "only problems",
// the sort, grouping and collapsed accounts, and the row density.

const KEY = "agentwatch.live.v1";
const SORT_KEYS = ["severity", "agent", "state", "time", "account"];

export const DEFAULTS = Object.freeze({
  filter: "",
  severities: [], // none chosen: every severity
  onlyProblems: false,
  sort: { key: "severity", dir: "desc" },
  grouped: true,
  collapsed: [], // account ids
  density: "compact",
});

function read() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || "{}");
    return saved && typeof saved === "object" ? saved : {};
  } catch {
    return {}; // a damaged entry is replaced by the defaults, never fatal
  }
}

// Every field checked on the way in: the stored entry may be from an older version or edited.
function clean(saved) {
  const p = { ...DEFAULTS, sort: { ...DEFAULTS.sort } };
  if (typeof saved.filter === "string") p.filter = saved.filter.slice(0, 200);
  if (Array.isArray(saved.severities)) p.severities = saved.severities.filter((s) => typeof s === "string");
  if (typeof saved.onlyProblems === "boolean") p.onlyProblems = saved.onlyProblems;
  if (saved.sort && SORT_KEYS.includes(saved.sort.key)) p.sort = { key: saved.sort.key, dir: saved.sort.dir === "asc" ? "asc" : "desc" };
  if (typeof saved.grouped === "boolean") p.grouped = saved.grouped;
  if (Array.isArray(saved.collapsed)) p.collapsed = saved.collapsed.filter((s) => typeof s === "string").slice(0, 500);
  if (saved.density === "comfortable" || saved.density === "compact") p.density = saved.density;
  return p;
}

export const prefs = clean(read());

/// Applies `change` to the preferences and stores them.
export function savePrefs(change) {
  Object.assign(prefs, change);
  try {
    localStorage.setItem(KEY, JSON.stringify(prefs));
  } catch {
    // Storage full or refused: the view keeps working with what it has in memory.
  }
}
