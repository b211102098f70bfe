import { isTimeZone } from "~/shared/schedules";
import { badRequest } from "./errors";

/** Schedules and retention policies name IANA zones; one the runtime does not know is refused by name. */
export function assertTimeZone(timezone: string): void {
  if (!isTimeZone(timezone)) {
    throw badRequest(`Unknown time zone "${timezone}"`, { reason: "schedule-timezone-invalid", params: { timezone } });
  }
}
