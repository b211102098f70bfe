// List a workload's snapshots and start a new one, with types from the server's own router.
// Run: BERTH_SERVER=https://berth.example.com BERTH_TOKEN=… WORKLOAD_ID=… npx tsx examples/typed-client.ts
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "~/server/api/root";

const { BERTH_SERVER, BERTH_TOKEN, WORKLOAD_ID } = process.env;
if (!BERTH_SERVER || !BERTH_TOKEN || !WORKLOAD_ID) throw new Error("set BERTH_SERVER, BERTH_TOKEN and WORKLOAD_ID");

const berth = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: `${BERTH_SERVER}/api/trpc`,
      transformer: superjson, // dates arrive as Date, sizes as bigint
      headers: { authorization: `Bearer ${BERTH_TOKEN}` },
    }),
  ],
});

const snapshots = await berth.snapshot.list.query({ workloadId: WORKLOAD_ID });
for (const s of snapshots) console.log(s.id, s.createdAt.toISOString(), `${s.size} bytes`, s.label);

// Needs an admin token; answers once the snapshot is written and checked.
const created = await berth.snapshot.create.mutate({ workloadId: WORKLOAD_ID, label: "from a script" });
console.log(`created ${created.id} (${created.size} bytes, sha256 ${created.sha256})`);
