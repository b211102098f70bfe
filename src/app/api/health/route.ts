import { NextResponse } from "next/server";
import { db } from "~/server/db";
import { dockerEngine } from "~/server/docker/instance";
import { checkHealth } from "~/server/engine/health";
import { logger } from "~/server/logger";
import { BERTH_VERSION } from "~/server/version";

export const dynamic = "force-dynamic";

export async function GET() {
  const report = await checkHealth(db, () => dockerEngine.probe(), BERTH_VERSION);
  if (report.db !== "ok") logger.error("health: database unreachable");
  return NextResponse.json(report, {
    status: report.db === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
