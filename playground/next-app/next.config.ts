import type { NextConfig } from "next";
import { withWorkflow } from "workflow/next";

// The report scenario signs its callbacks (sendWebhook) and verifies them (the
// client route) with this Standard Webhooks secret: both sides are this app.
// A demo value; set your own in the environment.
process.env.REPORTS_WEBHOOK_SECRET ??= "whsec_cGxheWdyb3VuZC1yZXBvcnRzLWRlbW8tc2VjcmV0LTMyYg==";

const config: NextConfig = {
  reactStrictMode: true,
};

// Runs are kept in .workflow-data/ (or WORKFLOW_DATA_DIR); webhook URLs use the
// server's origin (or WORKFLOW_PUBLIC_URL). See docs/next.md.
export default withWorkflow(config);
