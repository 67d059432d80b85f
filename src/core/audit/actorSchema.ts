import { z } from "zod";

/** An `Actor` (./actor.ts) as plans and queued jobs carry it: checked when read back. */
export const actorSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("event"), eventId: z.string() }),
  z.object({ kind: z.literal("sweep"), runId: z.string() }),
  z.object({ kind: z.literal("operation"), operationId: z.string() }),
  z.object({
    kind: z.literal("http"),
    oid: z.string(),
    appId: z.string().optional(),
    name: z.string().optional(),
  }),
  z.object({ kind: z.literal("cli"), user: z.string() }),
]);
