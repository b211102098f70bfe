import pino from "pino";

// Structured logs to stdout; host paths, stacks and SQL go here, never to clients.
export const logger = pino({
  name: "berth",
  level: process.env.LOG_LEVEL || "info",
  base: undefined,
});

export type Logger = typeof logger;
