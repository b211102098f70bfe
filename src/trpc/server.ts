import "server-only";

import { createHydrationHelpers } from "@trpc/react-query/rsc";
import { headers } from "next/headers";
import { cache } from "react";
import { createTRPCContext } from "~/server/api/context";
import { type AppRouter, createCaller } from "~/server/api/root";
import { createQueryClient } from "./query-client";

const createContext = cache(async () => createTRPCContext({ headers: new Headers(await headers()) }));
const getQueryClient = cache(createQueryClient);
const caller = createCaller(createContext);

// Server components call procedures directly (same auth, same engine) and hand the
// prefetched data to the client components through HydrateClient.
export const { trpc: api, HydrateClient } = createHydrationHelpers<AppRouter>(caller, getQueryClient);
