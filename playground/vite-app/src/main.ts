interface RunInfo {
  runId: string;
  status: string;
  webhookUrl: string | null;
  output?: unknown;
  error?: string;
}

const $ = (id: string) => document.getElementById(id)!;
const startButton = $("start") as HTMLButtonElement;
const sendButton = $("send") as HTMLButtonElement;
let current: RunInfo | undefined;
let poll: number | undefined;

function show(info: RunInfo) {
  current = info;
  $("run").textContent = info.runId;
  $("status").textContent = info.status;
  $("webhook").textContent = info.webhookUrl ?? "(not created yet)";
  sendButton.disabled = !info.webhookUrl || info.status !== "running";
  if (info.output !== undefined) $("result").textContent = JSON.stringify(info.output, null, 2);
  if (info.error) $("result").textContent = info.error;
}

async function refresh(runId: string) {
  const response = await fetch(`/api/runs/${encodeURIComponent(runId)}`);
  const info = (await response.json()) as RunInfo;
  show(info);
  if (["completed", "failed", "cancelled"].includes(info.status)) clearInterval(poll);
}

startButton.addEventListener("click", async () => {
  clearInterval(poll);
  $("result").textContent = "";
  const response = await fetch("/api/start", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  const { runId } = (await response.json()) as { runId: string };
  show({ runId, status: "pending", webhookUrl: null });
  poll = window.setInterval(() => void refresh(runId), 500);
});

sendButton.addEventListener("click", async () => {
  if (!current?.webhookUrl) return;
  const response = await fetch(current.webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "payment.succeeded", amount: 42 }),
  });
  $("result").textContent = `The webhook answered ${response.status}: ${await response.text()}`;
});
