// The vocabulary as the engine sends it and the UI reads it: operation phases and retries
// as codes, failures with a reason, and a tRPC error shown in the user's language.
import fs from "node:fs";
import path from "node:path";
import { createTranslator } from "next-intl";
import { describe, expect, it, vi } from "vitest";
import { describeError, operationErrorText, type Translator } from "~/components/ui/trpc-error";
import { ArchiveRejectedError } from "~/server/engine/archive/errors";
import { DomainError, notFound } from "~/server/engine/errors";
import { OperationHub } from "~/server/engine/operations";
import { publicFailure } from "~/server/engine/public-error";
import type { ValidationIssue } from "~/shared/validation";

const translator = (locale: "en" | "ru"): Translator => {
  const messages = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, `../../messages/${locale}.json`), "utf8"));
  return createTranslator({ locale, messages }) as unknown as Translator;
};

describe("operation events", () => {
  it("send phase codes, a retry as an attempt, and a failure with its reason", () => {
    const hub = new OperationHub();
    const op = hub.start("op1", "w1", "capture");
    op.progress({ phase: "capturing" });
    op.progress({ phase: "capturing", attempt: 2 });
    expect(hub.current("w1")[0]).toMatchObject({ phase: "capturing", attempt: 2 });
    op.progress({ phase: "starting-containers" });
    expect(hub.current("w1")[0]!.attempt).toBeUndefined();
    op.finish(publicFailure(Object.assign(new Error("EACCES: /srv/secret"), { code: "EACCES" })));
    const last = hub.current("w1")[0]!;
    expect(last).toMatchObject({ done: true, phase: "failed", errorReason: "permission-denied", errorParams: {} });
    expect(last.error).not.toContain("/srv");
    expect(operationErrorText(translator("ru"), last)).toBe("Нет доступа к файловой системе сервера");
  });
});

describe("errors shown in the UI", () => {
  const trpcError = (error: DomainError) => ({ message: error.message, data: { reason: error.reason, params: error.params } });

  it("translate a domain reason with its params, and keep the English for English", () => {
    expect(describeError(trpcError(notFound("stage")), translator("ru"))?.message).toBe("Стадия не найдена.");
    expect(describeError(trpcError(notFound("stage")), translator("en"))?.message).toBe("Stage not found.");
    const tooMany = new DomainError("TOO_MANY_REQUESTS", "x", { reason: "too-many-attempts", params: { minutes: 5 } });
    const shown = describeError(trpcError(tooMany), translator("ru"))?.message;
    expect(shown).toBe("Слишком много неудачных попыток входа. Повторите через 5 минут.");
  });

  it("translate a wrapped cause first, and fall back to the server's text for an unknown one", () => {
    const wrapped = (cause: string) => ({ message: "Stopping failed: boom", data: { reason: "snapshot-stop-failed", params: { cause } } });
    const diskFull = describeError(wrapped("disk-full"), translator("ru"))?.message;
    expect(diskFull).toBe("Не удалось остановить контейнер перед снимком: Диск заполнен");
    expect(describeError(wrapped(""), translator("ru"))?.message).toBe("Stopping failed: boom");
    const later = { message: "Something new", data: { reason: "from-a-later-server" } };
    expect(describeError(later, translator("ru"))?.message).toBe("Something new");
  });

  it("translate zod issues per field: a schema's own message by key, zod's by code", () => {
    const error = {
      message: "[json]",
      data: {
        zodError: { formErrors: [], fieldErrors: { password: ["Password must be at least 8 characters"], name: ["Too big"] } },
        zodIssues: <ValidationIssue[]>[
          { field: "password", code: "too_small", params: { minimum: 8, origin: "string" }, key: "password-too-short" as const },
          { field: "name", code: "too_big", params: { maximum: 100, origin: "string" } },
        ],
      },
    };
    expect(describeError(error, translator("en"))?.fieldErrors).toEqual({
      password: ["Password must be at least 8 characters"],
      name: ["Must be at most 100 characters"],
    });
    expect(describeError(error, translator("ru"))?.fieldErrors).toEqual({
      password: ["Пароль должен содержать не менее 8 символов"],
      name: ["Допустимо не более 100 символов"],
    });
    // Without a translator (server render), the server's English is shown as before.
    expect(describeError(error, null)?.fieldErrors).toEqual(error.data.zodError.fieldErrors);
  });
});

describe("DomainError across module copies", () => {
  // The server loads the engine twice (the custom server's and Next's bundles) and shares one
  // EngineDeps, so an error thrown by one copy's runtime or lock is caught by the other's code.
  it("is recognised when thrown by another copy of the module, and subclasses keep their own test", async () => {
    vi.resetModules();
    const other = await import("~/server/engine/errors");
    expect(other.DomainError).not.toBe(DomainError);
    const foreign = new other.DomainError("CONFLICT", "held elsewhere", { reason: "restore-running" });
    expect(foreign instanceof DomainError).toBe(true);
    expect(new Error("plain") instanceof DomainError).toBe(false);
    expect(new ArchiveRejectedError("bad header") instanceof DomainError).toBe(true);
    expect(new DomainError("BAD_REQUEST", "not an archive problem") instanceof ArchiveRejectedError).toBe(false);
  });
});
