-- CreateTable
CREATE TABLE "Schedule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workloadId" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "quiesce" BOOLEAN NOT NULL DEFAULT false,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "lastDueAt" DATETIME NOT NULL,
    "timedFrom" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Schedule_workloadId_fkey" FOREIGN KEY ("workloadId") REFERENCES "Workload" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ScheduleRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "scheduleId" TEXT,
    "workloadId" TEXT NOT NULL,
    "dueAt" DATETIME,
    "quiesce" BOOLEAN NOT NULL DEFAULT false,
    "queuedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "outcome" TEXT,
    "snapshotId" TEXT,
    "detail" TEXT,
    "pruned" INTEGER NOT NULL DEFAULT 0,
    "pruneFailed" BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT "ScheduleRun_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "ScheduleRun_workloadId_fkey" FOREIGN KEY ("workloadId") REFERENCES "Workload" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RetentionPolicy" (
    "workloadId" TEXT NOT NULL PRIMARY KEY,
    "keepLast" INTEGER NOT NULL DEFAULT 7,
    "keepHourly" INTEGER NOT NULL DEFAULT 0,
    "keepDaily" INTEGER NOT NULL DEFAULT 0,
    "keepWeekly" INTEGER NOT NULL DEFAULT 4,
    "keepMonthly" INTEGER NOT NULL DEFAULT 6,
    "keepYearly" INTEGER NOT NULL DEFAULT 0,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "includeManual" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "RetentionPolicy_workloadId_fkey" FOREIGN KEY ("workloadId") REFERENCES "Workload" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AlertTarget" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "urlSealed" TEXT NOT NULL,
    "urlPreview" TEXT NOT NULL,
    "events" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "lastDeliveryAt" DATETIME,
    "lastOutcome" TEXT,
    "lastDetail" TEXT
);

-- CreateIndex
CREATE INDEX "Schedule_workloadId_idx" ON "Schedule"("workloadId");

-- CreateIndex
CREATE INDEX "ScheduleRun_workloadId_queuedAt_idx" ON "ScheduleRun"("workloadId", "queuedAt");

-- CreateIndex
CREATE INDEX "ScheduleRun_outcome_finishedAt_idx" ON "ScheduleRun"("outcome", "finishedAt");
