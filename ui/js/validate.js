// Checks done as the user types, mirroring the core's own (which checks again on save).

export function accountId(id) {
  if (!id) return "Required";
  if (!/^[A-Za-z0-9._-]+$/.test(id)) return "Use only letters, digits, '-', '_' or '.'";
  return null;
}

function isLoopback(host) {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

export function baseUrl(raw, required) {
  if (!raw) return required ? "Required for this vendor" : null;
  let url;
  try {
    url = new URL(raw);
  } catch {
    return "Not a URL (expected https://host:port, optionally with a path prefix)";
  }
  // A path is allowed: some installations serve the API under a prefix (`/senhasegura`); the
  // client adds the vendor's documented path after it, as the core does.
  if (url.search || url.hash || url.username) return "No query, fragment or user name";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:") {
    return isLoopback(url.hostname) ? null : "Must use https (plain http only for loopback addresses)";
  }
  return `Unsupported scheme ${url.protocol}`;
}

export function positiveInt(raw, { min = 1, max = Infinity } = {}) {
  if (raw === "" || raw === null || raw === undefined) return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    return max === Infinity ? `A whole number of at least ${min}` : `A whole number from ${min} to ${max}`;
  }
  return null;
}
