// What every reader of JSON model files asks of a parsed value.

/** A parsed JSON object. */
export type Json = Record<string, unknown>;

/** A plain object (not null, not an array): what a JSON object parses to. */
export const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);
