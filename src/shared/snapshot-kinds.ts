import { isOneOf } from "./codes";

/** How a snapshot came to be (Snapshot.kind), translated as `snapshots.kinds.<kind>`. */
export const SNAPSHOT_KINDS = ["manual", "pre-restore", "scheduled", "imported"] as const;
export type SnapshotKind = (typeof SNAPSHOT_KINDS)[number];
export const isSnapshotKind = isOneOf(SNAPSHOT_KINDS);
