// Scenario 2: a person approves or rejects from the page; a route handler
// resumes the hook with resumeHook("approval:<id>", decision).
import { defineHook, waitForHook } from "workflow";

export interface Expense {
  id: string;
  amount: number;
  description: string;
}

export interface Decision {
  approved: boolean;
  by: string;
  comment?: string;
}

export const approval = defineHook<Decision>();

async function notifyApprover(expense: Expense, token: string): Promise<string> {
  "use step";
  return `Asked for approval of ${expense.id} (${expense.amount} EUR) with token ${token}`;
}

async function payOut(expense: Expense): Promise<string> {
  "use step";
  return `Paid ${expense.amount} EUR for ${expense.description}`;
}

export async function expenseApproval(expense: Expense) {
  "use workflow";
  const hook = approval.create({ token: `approval:${expense.id}` });
  await notifyApprover(expense, hook.token);
  const answer = await waitForHook(hook, "1d");
  if (answer.timeout) return { id: expense.id, approved: false, reason: "nobody answered within a day" };
  const decision = answer.payload;
  if (!decision.approved)
    return { id: expense.id, approved: false, by: decision.by, comment: decision.comment };
  return { id: expense.id, approved: true, by: decision.by, receipt: await payOut(expense) };
}
