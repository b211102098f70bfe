import { createEnv } from "@t3-oss/env-core";
import { compile as compileProxyTrust } from "proxy-addr";
import { z } from "zod";
import { unsafeAbsoluteRoot } from "./server/engine/volumes";

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
    // Proxies whose X-Forwarded-For is believed for the sign-in limiter (auth/client-address.ts).
    BERTH_TRUSTED_PROXIES: z
      .string()
      .default("")
      .transform((v) => v.split(/[\s,]+/).filter(Boolean))
      .superRefine((entries, ctx) => {
        for (const entry of entries) {
          try {
            compileProxyTrust(entry);
          } catch {
            ctx.addIssue({ code: "custom", message: `"${entry}" is not an IPv4/IPv6 address or CIDR (e.g. 10.0.0.0/8, fd00::/8)` });
          }
        }
      }),
    // Named Docker volumes Berth did not create (no berth.managed label) may be mounted.
    BERTH_ALLOW_FOREIGN_VOLUMES: z.enum(["0", "1"]).default("0").transform((v) => v === "1"),
    BERTH_IMPORT_MAX_BYTES: z.coerce.number().int().positive().default(50 * 1024 ** 3),
    // Pre-restore snapshots (undo copies) kept per workload, newest first; pinned ones are always kept.
    BERTH_PRE_RESTORE_KEEP: z.coerce.number().int().min(1).max(1000).default(3),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
  onValidationError(issues) {
    const lines = issues.map((i) => `  ${i.path?.join(".") ?? "?"}: ${i.message}`);
    throw new Error(`Invalid Berth configuration:\n${lines.join("\n")}`);
  },
});

// Roots that would hand a workload the host, the system's configuration, the Docker socket or
// Berth's own data: refused with the rest of the configuration, before anything runs.
const unsafeRoots = env.BERTH_ABSOLUTE_ROOTS.map((root) => unsafeAbsoluteRoot(root, env.BERTH_DATA_DIR)).filter(Boolean);
if (unsafeRoots.length > 0) throw new Error(`Invalid Berth configuration:\n  BERTH_ABSOLUTE_ROOTS: ${unsafeRoots.join("; ")}`);
