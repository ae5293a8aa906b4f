import { WorkflowError } from "../errors/workflow-error.js";

// The units of the `ms` package, which the `workflow` package's durations use.
// A function, not a table built at load: every run's sandbox realm loads this module, and
// few runs parse a duration string.
function factors() {
  return {
    ms: 1,
    msec: 1,
    msecs: 1,
    millisecond: 1,
    milliseconds: 1,
    s: 1000,
    sec: 1000,
    secs: 1000,
    second: 1000,
    seconds: 1000,
    m: 60_000,
    min: 60_000,
    mins: 60_000,
    minute: 60_000,
    minutes: 60_000,
    h: 3_600_000,
    hr: 3_600_000,
    hrs: 3_600_000,
    hour: 3_600_000,
    hours: 3_600_000,
    d: 86_400_000,
    day: 86_400_000,
    days: 86_400_000,
    w: 604_800_000,
    week: 604_800_000,
    weeks: 604_800_000,
    y: 31_557_600_000,
    yr: 31_557_600_000,
    yrs: 31_557_600_000,
    year: 31_557_600_000,
    years: 31_557_600_000,
  } as const;
}
let units: Record<string, number> | undefined;

/** A unit a duration string may carry, in lower case, Capitalized or UPPER case. */
export type DurationUnit =
  | keyof ReturnType<typeof factors>
  | Capitalize<keyof ReturnType<typeof factors>>
  | Uppercase<keyof ReturnType<typeof factors>>;

/** A duration string: "500" (ms), "30s", "1.5h", "10 minutes", "2 Weeks". `"5x"` does not type-check. */
export type DurationString = `${number}` | `${number}${DurationUnit}` | `${number} ${DurationUnit}`;

/** A duration: milliseconds, or a {@link DurationString} such as "30s", "5m", "1.5h", "1d", "2 weeks". */
export type Duration = number | DurationString;

/** Milliseconds in a duration; throws WF_INVALID_DURATION with the accepted forms. */
export function parseDuration(value: Duration | string, what = "duration"): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return value;
  } else if (typeof value === "string") {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
    if (match) {
      const unit = match[2]!.toLowerCase() || "ms";
      units ??= factors();
      const factor = units[unit];
      if (factor !== undefined) return Math.round(Number(match[1]) * factor);
    }
  }
  throw new WorkflowError(
    "WF_INVALID_DURATION",
    `${what} ${JSON.stringify(value)} is not a duration.`,
    'Pass milliseconds (a non-negative number) or a string such as "500ms", "30s", "5m", "2h", "1d".',
  );
}
