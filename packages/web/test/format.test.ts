import { describe, expect, it } from "vitest";
import { duration } from "../src/app/format.js";

describe("the UI's durations", () => {
  it("round in the smallest unit shown, never showing 60 of it", () => {
    expect(duration(-5)).toBe("0ms");
    expect(duration(340)).toBe("340ms");
    expect(duration(999.7)).toBe("1.0s");
    expect(duration(1_234)).toBe("1.2s");
    expect(duration(42_400)).toBe("42s");
    expect(duration(59_700)).toBe("1m 0s");
    expect(duration(125_000)).toBe("2m 5s");
    expect(duration(3_599_993)).toBe("1h 0m");
    expect(duration(5_400_000)).toBe("1h 30m");
    expect(duration(86_399_000)).toBe("1d 0h");
    expect(duration(2 * 86_400_000 + 3 * 3_600_000)).toBe("2d 3h");
  });
});
