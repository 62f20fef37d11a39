/**
 * "80, 100" as the API's alertThresholds; empty leaves them out (the API's default). A part that is not a whole
 * number is sent as NaN's stand-in, -1, so the API refuses it with its own field-named message.
 */
export function thresholdsOf(text: string): number[] | null {
  const parts = text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  if (parts.length === 0) return null;
  return parts.map((part) => (/^\d+$/.test(part) ? Number(part) : -1));
}
