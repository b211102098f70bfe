import { isIP } from "node:net";
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "~/server/api/root";
import { loadRemoteConfig, type RemoteConfig } from "./config-file";
import { EventSource } from "eventsource";
import { httpFetch, type HttpInit, plainFetch } from "./http";

export interface Remote {
  config: RemoteConfig;
  api: ReturnType<typeof createRemoteClient>;
  /** an authenticated request to one of the server's plain HTTP routes (download, import) */
  fetch: (pathname: string, init?: HttpInit) => Promise<Response>;
}

const userAgent = "berth-cli";

/**
 * The typed client the UI also uses (AppRouter, superjson), authenticated with an API token.
 * One call per request (httpLink): a restore that takes minutes must not hold up a query
 * batched with it. Progress streams arrive over server-sent events.
 */
export function createRemoteClient(config: RemoteConfig) {
  const headers = { authorization: `Bearer ${config.token}`, "user-agent": userAgent };
  const url = `${config.server}/api/trpc`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url,
          transformer: superjson,
          // Node 20 has no EventSource; this one sends the token as a header through our fetch.
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input, init) =>
              plainFetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), ...headers } }),
          }),
        }),
        false: httpLink({ url, transformer: superjson, headers, fetch: plainFetch }),
      }),
    ],
  });
}

/** localhost, 127.0.0.0/8 and ::1: traffic that never leaves this machine. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

/** True when the token would cross a network unencrypted (http:// to another machine). */
export function sendsTokenInClear(server: string): boolean {
  const url = new URL(server);
  return url.protocol === "http:" && !isLoopback(url.hostname);
}

export async function connect(given?: RemoteConfig): Promise<Remote> {
  const config = given ?? (await loadRemoteConfig());
  if (sendsTokenInClear(config.server)) {
    process.stderr.write(
      `berth: warning: the API token goes to ${config.server} over plain http://; anyone on the way can read it (use https://)\n`,
    );
  }
  return {
    config,
    api: createRemoteClient(config),
    fetch: (pathname, init = {}) =>
      httpFetch(`${config.server}${pathname}`, {
        ...init,
        headers: { authorization: `Bearer ${config.token}`, "user-agent": userAgent, ...init.headers },
      }),
  };
}
