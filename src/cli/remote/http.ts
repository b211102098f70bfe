import type { Readable } from "node:stream";
import { Agent, fetch as undiciFetch } from "undici";
import { unreachable } from "./errors";

export interface HttpInit {
  method?: string;
  headers?: Record<string, string>;
  /** a string (tRPC's JSON) or a stream (an upload), sent with backpressure */
  body?: string | Readable;
  signal?: AbortSignal | null;
}

// Node's own fetch gives up when response headers take more than 5 minutes, and a restore or
// a capture of a large volume answers only when it is done; an idle progress stream must not
// be cut either. undici's fetch (the one Node bundles) with its time limits off.
const noTimeLimits = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

export async function httpFetch(input: string | URL, init: HttpInit = {}): Promise<Response> {
  const streamed = init.body !== undefined && typeof init.body !== "string";
  try {
    const res = await undiciFetch(input, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      signal: init.signal ?? undefined,
      dispatcher: noTimeLimits,
      ...(streamed ? { duplex: "half" as const } : {}),
    });
    // undici's Response is the same class Node's global fetch returns, typed separately.
    return res as unknown as Response;
  } catch (error) {
    // "fetch failed" says nothing: name the server and what the socket said.
    throw unreachable(error, new URL(input).origin) ?? error;
  }
}

/** tRPC's `fetch` option and the event stream's: plain headers, a string body at most. */
export const plainFetch = (url: string | URL | Request, options?: RequestInit) =>
  httpFetch(String(url instanceof Request ? url.url : url), {
    method: options?.method,
    headers: Object.fromEntries(new Headers(options?.headers).entries()),
    body: typeof options?.body === "string" ? options.body : undefined,
    signal: options?.signal,
  });
