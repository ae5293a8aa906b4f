// A webhook with a fixed answer: every caller gets 201 {"subscribed": true}.
import { createWebhook } from "workflow";

async function sendWelcome(email: string): Promise<string> {
  "use step";
  return `Welcome mail queued for ${email}`;
}

export async function newsletterSignups(count = 2) {
  "use workflow";
  const webhook = createWebhook({
    respondWith: new Response(JSON.stringify({ subscribed: true }), {
      status: 201,
      headers: { "content-type": "application/json" },
    }),
  });
  const sent: string[] = [];
  for await (const request of webhook) {
    const { email } = (await request.json()) as { email: string };
    sent.push(await sendWelcome(email));
    if (sent.length >= count) break;
  }
  return { sent };
}
