import { HookPayloadInvalidError } from "../errors/subclasses.js";
import type { StandardSchemaLike } from "../workflow/hooks.js";

/** Checks a payload against a Standard Schema; a failure records nothing and lists the issues. */
export async function validate(schema: StandardSchemaLike<unknown>, payload: unknown): Promise<unknown> {
  const result = (await schema["~standard"].validate(payload)) as {
    value?: unknown;
    issues?: ReadonlyArray<{ message: string; path?: ReadonlyArray<unknown> }>;
  };
  if (!result.issues) return result.value;
  throw new HookPayloadInvalidError(result.issues);
}
