import type { NextConfig } from "next";
import { withWorkflow } from "workflow/next";

// The peer-bench route contract on Next (`next build`, `next start`), for
// bench/adapters.mjs: the same workflows as the bench server, served by the
// adapter users deploy. Runs go to WORKFLOW_DATA_DIR.
export default withWorkflow({} satisfies NextConfig);
