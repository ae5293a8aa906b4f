import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/testing/index.js";

describe("VirtualClock", () => {
  it("stands still until set, then fires due timers earliest first, ties in the order set", () => {
    const clock = new VirtualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("c@300"), 300);
    clock.setTimeout(() => fired.push("a@100"), 100);
    clock.setTimeout(() => fired.push("b1@200"), 200);
    clock.setTimeout(() => fired.push("b2@200"), 200);
    expect(clock.now()).toBe(1000);
    expect(clock.nextAt()).toBe(1100);

    clock.set(1200);
    expect(fired).toEqual(["a@100", "b1@200", "b2@200"]);
    clock.set(1250);
    expect(fired).toHaveLength(3);
    clock.set(5000);
    expect(fired).toEqual(["a@100", "b1@200", "b2@200", "c@300"]);
    expect(clock.nextAt()).toBeUndefined();
  });

  it("never moves backwards, and a cleared timer never fires", () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    const timer = clock.setTimeout(() => fired.push(1), 10);
    clock.setTimeout(() => fired.push(2), 20);
    clock.clearTimeout(timer);
    clock.set(-5);
    expect(clock.now()).toBe(0);
    clock.set(30);
    expect(fired).toEqual([2]);
  });

  it("fires a timer set while firing when it is due too", () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push("first");
      clock.setTimeout(() => fired.push("second"), 5);
    }, 10);
    clock.set(10);
    expect(fired).toEqual(["first"]);
    clock.set(15);
    expect(fired).toEqual(["first", "second"]);
  });

  it("fires a timer already due on the next turn of the event loop", async () => {
    const clock = new VirtualClock(0);
    let fired = false;
    clock.setTimeout(() => {
      fired = true;
    }, 0);
    expect(fired).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(fired).toBe(true);
  });
});
