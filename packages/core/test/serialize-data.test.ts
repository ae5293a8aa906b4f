// serializeData: what the webhook route stores a request with. The same text as serialize
// (whose reducers find nothing in such a record), so stored requests read back as before.
import { describe, expect, it } from "vitest";
import { deserialize, serialize, serializeData } from "../src/serialization/index.js";

const record = (body: Uint8Array | null) => ({
  method: "POST",
  url: "http://app.test/.well-known/workflow/v1/webhook/t0k3n?x=1",
  headers: [
    ["content-type", "application/json"],
    ["user-agent", "POST"],
    ["x-empty", ""],
  ] as [string, string][],
  body,
});

describe("serializeData", () => {
  it("writes a webhook request record as serialize does, bytes and all", () => {
    const bytes = new TextEncoder().encode('{"a":[1,2,3]}');
    for (const value of [
      record(bytes),
      record(null),
      record(new Uint8Array(0)),
      record(bytes.subarray(2, 5)),
    ]) {
      const text = serializeData(value);
      expect(text).toBe(serialize(value));
      expect(deserialize(text)).toEqual(value);
    }
  });
});
