import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";

const withNextIntl = createNextIntlPlugin("./src/i18n/request.ts");

const nextConfig: NextConfig = {
  // Native addons and the Docker client stay real Node modules instead of being bundled.
  serverExternalPackages: ["better-sqlite3", "@prisma/adapter-better-sqlite3", "@node-rs/argon2", "dockerode", "pino", "tar", "ssh2"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default withNextIntl(nextConfig);
