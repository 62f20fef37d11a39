/**
 * A fetch Response's body, read as it arrives and counted: past `maxBytes` (or when Content-Length says so) reading
 * stops, the rest is cancelled, and the answer is "TOO_LARGE". A body never sits in memory beyond its cap.
 */
export async function readCappedBody(response: Response, maxBytes: number): Promise<Buffer | "TOO_LARGE"> {
  if (Number(response.headers.get("content-length") ?? "0") > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return "TOO_LARGE";
  }
  if (response.body === null) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, received);
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return "TOO_LARGE";
    }
    chunks.push(value);
  }
}
