import type { NextRequest } from "next/server";
import { badRequest } from "~/server/engine/errors";
import { importSnapshot } from "~/server/engine/snapshots/import";
import { errorResponse, requireRouteRole } from "~/server/http/route-auth";
import { uploadBody } from "~/server/http/upload-body";

export const dynamic = "force-dynamic";

const KEEP_SPECIAL_BITS_HEADER = "x-berth-keep-special-bits";
const FLAG_VALUES: Record<string, boolean> = { "1": true, true: true, "0": false, false: false };

/**
 * `keepSpecialBits` from the query and/or the X-Berth-Keep-Special-Bits header; absent is
 * false. Checked before any byte is read: a typo must not silently become "strip".
 */
function keepSpecialBits(req: NextRequest): boolean {
  const given = [...req.nextUrl.searchParams.getAll("keepSpecialBits")];
  const header = req.headers.get(KEEP_SPECIAL_BITS_HEADER);
  if (header !== null) given.push(header);
  const values = new Set(
    given.map((v) => {
      if (!Object.hasOwn(FLAG_VALUES, v)) throw badRequest("keepSpecialBits must be 1, true, 0 or false");
      return FLAG_VALUES[v];
    }),
  );
  if (values.size > 1) throw badRequest("keepSpecialBits is given more than once with different values");
  return values.has(true);
}

export async function POST(req: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const caller = await requireRouteRole(req, "ADMIN", { mutation: true });
  if (caller instanceof Response) return caller;
  const { id } = await params;
  try {
    const keep = keepSpecialBits(req);
    const upload = await uploadBody(req);
    const query = req.nextUrl.searchParams;
    const result = await importSnapshot(caller.deps, caller.actor, {
      workloadId: id,
      body: upload.stream,
      label: upload.fields.label ?? query.get("label") ?? undefined,
      fileName: upload.fileName ?? query.get("filename") ?? undefined,
      keepSpecialBits: keep,
    });
    return Response.json({ ...result, snapshot: { ...result.snapshot, size: Number(result.snapshot.size) } }, { status: 201 });
  } catch (error) {
    return errorResponse(error, { route: "snapshot.import", workloadId: id });
  }
}
