// A real HTTP server on 127.0.0.1 that alert deliveries post to: it records every request
// and answers from a script (a status, a redirect, or no answer at all), 200 once it runs out.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request arrived */
  at: number;
}

export type ReceiverAnswer = { status: number; location?: string } | "hang";

export interface WebhookReceiver {
  readonly origin: string;
  readonly requests: ReceivedRequest[];
  /** Queues answers for the next requests, in order. */
  answer(...answers: ReceiverAnswer[]): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const script: ReceiverAnswer[] = [];
  const server = http.createServer((req, res) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString(), at });
      const next = script.shift() ?? { status: 200 };
      if (next === "hang") return;
      res.writeHead(next.status, next.location ? { location: next.location } : {});
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    answer: (...answers) => script.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
