import { createEnv } from "@t3-oss/env-core";
import { compile as compileProxyTrust } from "proxy-addr";
import { z } from "zod";
import { engineEnvShape, engineSettingsFromEnv } from "./server/settings";

// Parsed once, on first import; a bad or missing setting throws an error that names it.
export const env = createEnv({
  server: {
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters (the start script generates one)"),
    NEXTAUTH_URL: z.url().optional(),
    BERTH_ADMIN_EMAIL: z.email().optional(),
    BERTH_ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
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
    ...engineEnvShape,
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
  onValidationError(issues) {
    const lines = issues.map((i) => `  ${i.path?.join(".") ?? "?"}: ${i.message}`);
    throw new Error(`Invalid Berth configuration:\n${lines.join("\n")}`);
  },
});

// The engine's settings again, for what a schema cannot check (unsafe absolute roots): before
// anything runs, like the rest of the configuration.
engineSettingsFromEnv();
