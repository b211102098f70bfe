import { openSnapshotFile } from "../engine/snapshots/snapshot-store";
import { fileResponse } from "./file-response";
import { errorResponse, requireRouteRole } from "./route-auth";

/**
 * GET/HEAD /api/snapshots/{id}/download. Served by the Node server in front of Next
 * (src/server/main.ts): Next drops Content-Length from route-handler responses, and
 * downloaders need it for progress and resuming.
 */
export async function snapshotDownload(req: Request, id: string): Promise<Response> {
  const caller = await requireRouteRole(req, "ADMIN", { mutation: false });
  if (caller instanceof Response) return caller;
  try {
    // Ranged re-requests and HEAD probes are part of one download: audit only full GETs.
    const audit = req.method === "GET" && !req.headers.get("range") && !req.headers.get("if-none-match");
    const file = await openSnapshotFile(caller.deps, caller.actor, { id, audit });
    return fileResponse(req, { ...file, etag: file.sha256, contentType: "application/gzip" });
  } catch (error) {
    return errorResponse(error, { route: "snapshot.download", id });
  }
}
