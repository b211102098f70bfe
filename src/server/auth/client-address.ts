import type { IncomingMessage } from "node:http";
import proxyaddr from "proxy-addr";
import { env } from "~/env";

// The address that keys the sign-in limiter. Only the Node server (src/server/main.ts) sees
// the socket, so it resolves the address and hands it to Next in this header, after
// deleting whatever a client sent under that name: nothing else in a request is believed.
export const CLIENT_ADDRESS_HEADER = "x-berth-client-address";

type Trust = (address: string, hop: number) => boolean;

/** A trust test for `BERTH_TRUSTED_PROXIES` entries (CIDRs or addresses, IPv4 and IPv6). */
export const compileTrustedProxies = (entries: string[]): Trust => (entries.length ? proxyaddr.compile(entries) : () => false);

let trustFromEnv: Trust | undefined;

/**
 * The peer's address, or, when the peer is a trusted proxy, the right-most X-Forwarded-For
 * hop that is not itself a trusted proxy (the hops left of it are whatever the client wrote).
 */
export function resolveClientAddress(req: Pick<IncomingMessage, "headers" | "socket">, trust?: Trust): string {
  trust ??= trustFromEnv ??= compileTrustedProxies(env.BERTH_TRUSTED_PROXIES);
  if (!req.socket.remoteAddress) return "unknown";
  return proxyaddr(req as IncomingMessage, trust);
}

/** Called by the Node server on every request before Next sees it. */
export function stampClientAddress(req: IncomingMessage, trust?: Trust): void {
  req.headers[CLIENT_ADDRESS_HEADER] = resolveClientAddress(req, trust); // replaces any client-sent copy
}

/** Inside Next: the address the Node server stamped ("unknown" if Next runs without it). */
export function clientAddress(headers: Headers | Record<string, string | string[] | undefined>): string {
  const raw = headers instanceof Headers ? headers.get(CLIENT_ADDRESS_HEADER) : headers[CLIENT_ADDRESS_HEADER];
  return (Array.isArray(raw) ? raw[0] : raw) || "unknown";
}
