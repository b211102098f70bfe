import { workloadLogDownload } from "~/server/engine/workloads/workload-logs";
import { contentDisposition } from "~/server/http/file-response";
import { errorResponse, requireRouteRole } from "~/server/http/route-auth";

export const dynamic = "force-dynamic";

/**
 * GET /api/workloads/{id}/logs: the container's whole log (its newest 50 MB, whole lines) as a
 * text file, each line `<time> <text>`. Viewers may read it, as in the UI; one download per
 * workload at a time (a second one: 429, `log-download-busy`). The headers go out at once, the
 * text once Docker's log has been read through.
 */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const caller = await requireRouteRole(req, "VIEWER", { mutation: false });
  if (caller instanceof Response) return caller;
  const { id } = await params;
  try {
    const log = await workloadLogDownload(caller.deps, caller.actor, { id });
    const lines = log.body[Symbol.asyncIterator]();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await lines.next();
          if (done) controller.close();
          else controller.enqueue(new Uint8Array(value));
        } catch (error) {
          caller.deps.log.warn({ err: error, workloadId: id }, "streaming a log download failed");
          controller.error(error);
        }
      },
      // A reader that leaves ends Docker's stream too.
      cancel: async () => {
        await lines.return?.();
      },
    });
    return new Response(body, {
      headers: {
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Disposition": contentDisposition(log.fileName),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
      },
    });
  } catch (error) {
    return errorResponse(error, { route: "workload.logs.download", id });
  }
}
