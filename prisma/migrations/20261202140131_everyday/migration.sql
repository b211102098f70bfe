-- AlterTable
ALTER TABLE "User" ADD COLUMN "disabledAt" DATETIME;

-- AlterTable
ALTER TABLE "Workload" ADD COLUMN "appliedAt" DATETIME;
ALTER TABLE "Workload" ADD COLUMN "appliedConfig" TEXT;

-- AlterTable
ALTER TABLE "Snapshot" ADD COLUMN "takenAt" DATETIME;

-- CreateTable
CREATE TABLE "WorkloadEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workloadId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "reason" TEXT,
    "params" TEXT NOT NULL DEFAULT '{}',
    "actor" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WorkloadEvent_workloadId_fkey" FOREIGN KEY ("workloadId") REFERENCES "Workload" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "WorkloadEvent_workloadId_createdAt_idx" ON "WorkloadEvent"("workloadId", "createdAt");
