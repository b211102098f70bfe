import { z } from "zod";

export const idSchema = z.string().min(1).max(64);
export const roleSchema = z.enum(["ADMIN", "VIEWER"]);
