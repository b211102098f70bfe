import { z } from "zod";
import { ALERT_EVENTS, ALERT_FORMATS } from "~/shared/alerts";
import { idSchema } from "../schemas";

const nameSchema = z.string().trim().min(1).max(80);
const urlSchema = z.string().trim().min(1).max(2000);
const eventsSchema = z
  .array(z.enum(ALERT_EVENTS))
  .min(1)
  .refine((events) => new Set(events).size === events.length, "each event may be listed once");

export const alertTargetIdInput = z.object({ id: idSchema });
export const createAlertTargetInput = z.object({
  name: nameSchema,
  format: z.enum(ALERT_FORMATS),
  url: urlSchema,
  events: eventsSchema,
  enabled: z.boolean().optional(),
});
/** An omitted url keeps the stored one. */
export const updateAlertTargetInput = z.object({
  id: idSchema,
  name: nameSchema.optional(),
  format: z.enum(ALERT_FORMATS).optional(),
  url: urlSchema.optional(),
  events: eventsSchema.optional(),
  enabled: z.boolean().optional(),
});
