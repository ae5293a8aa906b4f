import { sleep } from "workflow";

/** Sends the welcome mail (a real app would call its mail provider here). */
export async function sendEmail(to: string, template: string): Promise<string> {
  "use step";
  return `sent ${template} to ${to}`;
}

/** Welcomes a new user, then checks in a week later. */
export async function onboarding(email: string) {
  "use workflow";
  await sendEmail(email, "welcome");
  await sleep("7d");
  return await sendEmail(email, "one-week-check-in");
}
