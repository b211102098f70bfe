import type { NextRequest } from "next/server";
import { env } from "~/env";
import { engineDeps } from "~/server/engine-deps";
import { importSnapshot } from "~/server/engine/snapshots/import";
import { errorResponse, requireRouteRole } from "~/server/http/route-auth";
import { uploadBody } from "~/server/http/upload-body";

export const dynamic = "force-dynamic";

export async function POST(req: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const actor = await requireRouteRole(req, "ADMIN", { mutation: true });
  if (actor instanceof Response) return actor;
  const { id } = await params;
  try {
    const upload = await uploadBody(req);
    const query = req.nextUrl.searchParams;
    const result = await importSnapshot(engineDeps, actor, {
      workloadId: id,
      body: upload.stream,
      label: upload.fields.label ?? query.get("label") ?? undefined,
      fileName: upload.fileName ?? query.get("filename") ?? undefined,
      maxBytes: env.BERTH_IMPORT_MAX_BYTES,
    });
    return Response.json({ ...result, snapshot: { ...result.snapshot, size: Number(result.snapshot.size) } }, { status: 201 });
  } catch (error) {
    return errorResponse(error, { route: "snapshot.import", workloadId: id });
  }
}
