// The only door to Rust: the app's own commands and the events it pushes.
const tauri = window.__TAURI__;

export function call(command, args = {}) {
  return tauri.core.invoke(command, args);
}

export function on(event, handler) {
  return tauri.event.listen(event, (e) => handler(e.payload));
}

// Errors arrive as {kind, message, field?}; anything else is wrapped the same way.
export function asError(err) {
  if (err && typeof err === "object" && "message" in err) return err;
  return { kind: "internal", message: String(err) };
}

export const ERROR_KINDS = {
  auth: "Credentials refused",
  tls: "TLS / certificate problem",
  timeout: "No answer in time",
  connect: "Cannot connect",
  http_status: "HTTP error",
  rate_limited: "Rate limited",
  malformed: "Unexpected answer",
  too_large: "Answer too large",
  vendor: "Vendor error",
  keyring: "Keyring unavailable",
  keyring_locked: "Keyring locked",
  missing_secret: "No secret stored",
  config: "Configuration error",
  io: "File error",
  invalid: "Invalid input",
  not_found: "Not found",
  internal: "Internal error",
};

export function describeError(err) {
  const e = asError(err);
  const label = ERROR_KINDS[e.kind] || e.kind;
  return `${label}: ${e.message}`;
}
