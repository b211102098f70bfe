// Issue 17 (6), the small things: byte counts by the language's plural rules, the sign-in
// return path (only a same-origin relative path survives), a list's load failure in the UI's
// language (not the server's English), and how a restore dialog's title names its ending.
import fs from "node:fs";
import path from "node:path";
import { createFormatter, createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import { loginUrlFor, safeNextPath } from "~/shared/next-path";
import { formatBytes } from "~/components/format/use-format";
import { loadErrorText, restoreDialogEnding } from "~/components/snapshots/options";
import type { Translator } from "~/components/ui/trpc-error";
import { notFound } from "~/server/engine/errors";

const messages = (locale: "en" | "ru") =>
  JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, `../../messages/${locale}.json`), "utf8"));
const translator = (locale: "en" | "ru") => createTranslator({ locale, messages: messages(locale) }) as unknown as Translator;

describe("byte counts", () => {
  const bytes = (locale: "en" | "ru", n: number) => formatBytes(createFormatter({ locale, timeZone: "UTC" }), n);

  it("say bytes by the plural rules of each language", () => {
    expect([0, 1, 2, 7, 999].map((n) => bytes("en", n))).toEqual(["0 bytes", "1 byte", "2 bytes", "7 bytes", "999 bytes"]);
    expect([1, 2, 5, 21, 22, 25].map((n) => bytes("ru", n))).toEqual(["1 байт", "2 байта", "5 байт", "21 байт", "22 байта", "25 байт"]);
  });

  it("keep short units from a kilobyte up", () => {
    expect(bytes("en", 1_200_000)).toBe("1.2 MB");
    expect(bytes("ru", 1_200_000)).toBe("1,2 МБ");
  });

  it("the catalogs' other counts have every Russian plural form", () => {
    const ru = translator("ru");
    expect([1, 2, 5].map((count) => ru("workloadDelete.snapshotsTitle", { count }))).toEqual([
      "У неё 1 снимок",
      "У неё 2 снимка",
      "У неё 5 снимков",
    ]);
    expect([1, 3, 11].map((files) => ru("restoreDialog.volumeContents", { files, size: "1 МБ" }))).toEqual([
      "1 файл, 1 МБ",
      "3 файла, 1 МБ",
      "11 файлов, 1 МБ",
    ]);
  });
});

describe("the page to return to after sign-in", () => {
  it("keeps a same-origin relative path with its query and fragment", () => {
    expect(safeNextPath("/workloads/abc")).toBe("/workloads/abc");
    expect(safeNextPath("/workloads/abc?tab=logs#top")).toBe("/workloads/abc?tab=logs#top");
    expect(safeNextPath("/")).toBe("/");
    // a client navigation's payload query is not part of the address
    expect(safeNextPath("/snapshots?_rsc=1x2y")).toBe("/snapshots");
  });

  it.each([
    ["https://evil.example/", "an absolute URL"],
    ["http:/evil.example", "a scheme"],
    ["javascript:alert(1)", "a script URL"],
    ["//evil.example/x", "a protocol-relative URL"],
    ["/\\evil.example", "a backslash browsers read as a slash"],
    ["\\\\evil.example", "two backslashes"],
    ["/.//evil.example", "dot segments that resolve to //host"],
    ["/a/..//evil.example", "dot segments that resolve to //host"],
    ["/\t/evil.example", "a tab browsers strip"],
    ["/\n/evil.example", "a newline"],
    ["workloads", "a relative path without its slash"],
    ["", "nothing"],
    ["/login", "the sign-in page itself"],
    ["/login?next=/x", "the sign-in page itself"],
    [`/${"a".repeat(2100)}`, "a path too long to be a page"],
  ])("refuses %j (%s)", (value) => {
    expect(safeNextPath(value)).toBeNull();
  });

  it("refuses what is not a string", () => {
    for (const value of [undefined, null, 42, ["/x"], { toString: () => "/x" }]) expect(safeNextPath(value)).toBeNull();
  });

  it("builds the sign-in URL, plain for the home page or a refused path", () => {
    expect(loginUrlFor("/workloads/abc?tab=logs")).toBe("/login?next=%2Fworkloads%2Fabc%3Ftab%3Dlogs");
    expect(loginUrlFor("/")).toBe("/login");
    expect(loginUrlFor("//evil.example")).toBe("/login");
    expect(loginUrlFor(null)).toBe("/login");
  });
});

describe("a list that failed to load", () => {
  const trpcError = { message: "Workload not found", data: { reason: "not-found", params: { entity: "workload" } } };

  it("shows the server's reason in the UI's language, not its English message", () => {
    expect(loadErrorText(trpcError, translator("ru"))).toBe("Нагрузка не найдена.");
    expect(loadErrorText(trpcError, translator("en"))).toBe("Workload not found.");
  });

  it("falls back to the message only for a reason this UI does not know", () => {
    expect(loadErrorText({ message: "Failed to fetch" }, translator("ru"))).toBe("Failed to fetch");
    expect(loadErrorText(null, translator("ru"))).toBe("");
  });
});

describe("a restore dialog's ending", () => {
  it("is finished with a result, rolled back when the data was put back, failed otherwise, none while asking", () => {
    expect(restoreDialogEnding(null, null)).toBeNull();
    expect(restoreDialogEnding({ runId: "r" }, null)).toBe("finished");
    expect(restoreDialogEnding(null, { data: { reason: "restore-failed" } })).toBe("rolledBack");
    expect(restoreDialogEnding(null, { data: { reason: "restore-disk-filled" } })).toBe("rolledBack");
    expect(restoreDialogEnding(null, { data: { reason: "restore-rollback-failed" } })).toBe("failed");
    expect(restoreDialogEnding(null, { data: null })).toBe("failed");
  });

  it("has a title for each ending in both languages", () => {
    for (const locale of ["en", "ru"] as const) {
      const t = translator(locale);
      for (const ending of ["finished", "failed", "rolledBack"]) {
        expect(t.has(`restoreDialog.endTitles.${ending}`)).toBe(true);
        expect(t.has(`restoreDialog.undoEndTitles.${ending}`)).toBe(true);
      }
    }
  });
});

// keeps the engine's not-found shape in step with the error used above
it("the sample error matches what the engine sends", () => {
  const error = notFound("workload");
  expect({ reason: error.reason, params: error.params }).toEqual({ reason: "not-found", params: { entity: "workload" } });
});
