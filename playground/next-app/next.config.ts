import type { NextConfig } from "next";
import { withWorkflow } from "workflow/next";

const config: NextConfig = {
  reactStrictMode: true,
};

// Runs are kept in .workflow-data/ (or WORKFLOW_DATA_DIR); webhook URLs use the
// server's origin (or WORKFLOW_PUBLIC_URL). See docs/next.md.
export default withWorkflow(config);
