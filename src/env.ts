import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";

// Parsed once, on first import; a bad or missing setting throws an error that names it.
export const env = createEnv({
  server: {
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    BERTH_DATA_DIR: z.string().min(1).default("./data"),
    DATABASE_URL: z
      .string()
      .regex(/^file:/, "only SQLite (file:...) URLs are supported for now")
      .optional(),
    NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters (the start script generates one)"),
    NEXTAUTH_URL: z.url().optional(),
    BERTH_ADMIN_EMAIL: z.email().optional(),
    BERTH_ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
    DOCKER_HOST: z
      .string()
      .regex(/^(unix:\/\/|\/|tcp:\/\/|https?:\/\/)/, "must be unix:///path/to/docker.sock or tcp://host:port")
      .optional(),
    BERTH_DOCKER_NETWORK: z.string().min(1).default("bridge"),
    BERTH_ABSOLUTE_ROOTS: z
      .string()
      .default("")
      .transform((v) => v.split(":").filter(Boolean))
      .refine((roots) => roots.every((r) => r.startsWith("/") && !r.split("/").includes("..")), {
        message: "must be a colon-separated list of absolute paths without '..'",
      }),
    BERTH_IMPORT_MAX_BYTES: z.coerce.number().int().positive().default(50 * 1024 ** 3),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
  onValidationError(issues) {
    const lines = issues.map((i) => `  ${i.path?.join(".") ?? "?"}: ${i.message}`);
    throw new Error(`Invalid Berth configuration:\n${lines.join("\n")}`);
  },
});
