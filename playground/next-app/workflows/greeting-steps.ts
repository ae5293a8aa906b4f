"use step";
// Steps of the hello workflow (a module-level "use step": every export is a step).

export async function formatGreeting(name: string): Promise<string> {
  return `Hello, ${name}!`;
}
