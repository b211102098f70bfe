// Where sign-in returns to: the page a signed-out visit asked for, carried as /login?next=….
// The value comes from a URL anyone can craft, so only a same-origin relative path is kept.

/**
 * The path of the page being rendered, stamped on each request by the Node server
 * (src/server/main.ts, stampRequestPath) over whatever a client sent under that name.
 */
export const REQUEST_PATH_HEADER = "x-berth-path";

const BASE = "http://berth.invalid";

/**
 * `value` when it is a path on this site ("/workloads/abc?tab=logs"), else null: no scheme or
 * host ("https://evil", "//evil", "/\evil" which browsers read as "//evil"), no control
 * characters, nothing that leaves the origin once resolved, and never /login itself.
 */
export function safeNextPath(value: unknown): string | null {
  if (typeof value !== "string" || value.length === 0 || value.length > 2000) return null;
  if (!value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return null;
  if (/[\u0000-\u001f\u007f]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  // Next's own query for a client navigation's payload is not part of the page's address.
  url.searchParams.delete("_rsc");
  if (url.pathname === "/login" || url.pathname.startsWith("/login/")) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can resolve to "//host" ("/.//evil"): what is returned must pass again.
  return path.startsWith("//") || path.includes("\\") ? null : path;
}

/** The sign-in page that returns to `path` afterwards (plain /login for the home page or an unusable path). */
export function loginUrlFor(path: unknown): string {
  const next = safeNextPath(path);
  return next && next !== "/" ? `/login?next=${encodeURIComponent(next)}` : "/login";
}
