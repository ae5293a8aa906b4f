// Run and request ids: the shape, order by time, and no repeats across the random pool's refills.
import { describe, expect, it } from "vitest";
import { newRequestId, newRunId } from "../src/host/ids.js";

describe("ids", () => {
  it("run ids are wrun_ + 26 base32 characters, sort by time, and do not repeat across pool refills", () => {
    const ids = Array.from({ length: 2000 }, (_, i) => newRunId(1_700_000_000_000 + i));
    for (const id of ids) expect(id).toMatch(/^wrun_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // Same millisecond: only the random part tells them apart.
    const same = Array.from({ length: 600 }, () => newRunId(1_700_000_000_000));
    expect(new Set(same).size).toBe(same.length);
  });

  it("request ids are wreq_ + 22 base64url characters and do not repeat", () => {
    const ids = Array.from({ length: 600 }, () => newRequestId());
    for (const id of ids) expect(id).toMatch(/^wreq_[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
