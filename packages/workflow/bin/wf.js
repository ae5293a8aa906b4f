#!/usr/bin/env node
// The `wf` command shipped with the umbrella package: the one in @wfkit/cli.
import "@wfkit/cli/bin";
