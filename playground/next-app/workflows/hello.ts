// The smallest workflow: one step, one short durable sleep.
import { sleep } from "workflow";
import { formatGreeting } from "./greeting-steps";

export async function hello(name = "world") {
  "use workflow";
  const greeting = await formatGreeting(name);
  await sleep("1s");
  return greeting;
}
