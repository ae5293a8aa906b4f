/**
 * Reads a request body up to `limit` bytes: the bytes, `null` when there is
 * no body, or `"too-large"` (the rest is not read) when it is larger. Used by
 * the webhook route and the `wf dev` API.
 */
export async function readLimited(request: Request, limit: number): Promise<Uint8Array | null | "too-large"> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) return "too-large";
  if (!request.body) return null;
  // A declared length within the limit: read it whole (fewer hops than a reader loop).
  if (Number.isFinite(declared)) return new Uint8Array(await request.arrayBuffer());
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return "too-large";
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
