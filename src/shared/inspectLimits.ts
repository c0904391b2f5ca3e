/**
 * What both channels that carry a sentence to read check the same way (host ↔ unrolled view, host ↔
 * engine): the longest text, and the unrolled panel's focus.
 */
import { z } from 'zod';

/** The longest text to inspect (characters); the engine also caps the tokens it reads. */
export const MAX_INSPECT_CHARS = 100_000;

/** Checks the unrolled panel's focus (the engine answers for any cell; one past the tokens gives no cell). */
export const inspectFocusSchema = z
  .object({
    cell: z
      .object({ t: z.number().int().min(0).max(100_000), layer: z.number().int().min(0).max(3), direction: z.enum(['forward', 'backward']) })
      .strict()
      .nullable(),
    unit: z.number().int().min(0).max(4095).nullable(),
  })
  .strict();
