import { NextResponse } from "next/server";
import { engineDeps } from "~/server/engine-deps";
import { checkHealth } from "~/server/engine/health";
import { logger } from "~/server/logger";
import { BERTH_VERSION } from "~/server/version";

export const dynamic = "force-dynamic";

export async function GET() {
  const report = await checkHealth(engineDeps, BERTH_VERSION);
  if (report.db !== "ok") logger.error("health: database unreachable");
  return NextResponse.json(report, {
    status: report.db === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
