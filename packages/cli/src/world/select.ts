// The one place that turns configuration into a concrete World: `wf run`, `wf dev`,
// `wf inspect` and the umbrella's adapters (`workflow/next`, `workflow/vite`,
// `workflow/vite/server`) all choose through here. Adapters themselves name no World.
import type { WorldContext, WorldOption } from "@wfkit/builder";
import type { World } from "@wfkit/world";

/**
 * What an app may pass as `world`: a World, a function that opens one, or
 * `{ postgres: url }` for the PostgreSQL World. Left out: PostgreSQL when
 * `WORKFLOW_POSTGRES_URL` is set, else the embedded SQLite World in the data folder.
 */
export type WorldChoice = WorldOption | { postgres: string };

/** What a choice is resolved against: the resolved settings (see `resolveConfig`). */
export interface WorldSettings {
  dataDir: string;
  /** `WORKFLOW_POSTGRES_URL` or its option, when set. */
  postgresUrl?: string;
}

function isPostgresChoice(choice: WorldChoice): choice is { postgres: string } {
  return typeof choice === "object" && choice !== null && "postgres" in choice && !("append" in choice);
}

/**
 * The World factory for a `world` option: a World or a function is kept as it
 * is; `{ postgres: url }` and the default become functions, so the concrete
 * World's package is loaded only in the process that opens it (never by
 * `next build` workers reading next.config).
 */
export function worldFactory(choice?: WorldChoice): WorldOption {
  if (choice === undefined) return (context: WorldContext) => openWorld(context);
  if (isPostgresChoice(choice)) {
    const url = choice.postgres;
    return (context: WorldContext) => openWorld({ ...context, postgresUrl: url });
  }
  return choice;
}

/**
 * Opens the configured World: PostgreSQL when `postgresUrl` is set (migrating
 * its schema first), else SQLite in `dataDir`.
 */
export async function openWorld(settings: WorldSettings): Promise<World> {
  if (settings.postgresUrl) {
    const { openPostgresWorld } = await import("@wfkit/world-postgres");
    return openPostgresWorld({ url: settings.postgresUrl });
  }
  const { sqliteWorld } = await import("@wfkit/world-sqlite");
  return sqliteWorld({ dataDir: settings.dataDir });
}

/** Where runs are stored, for messages: the PostgreSQL URL without its password, or the data folder. */
export function describeWorld(settings: WorldSettings): string {
  if (!settings.postgresUrl) return settings.dataDir;
  try {
    const url = new URL(settings.postgresUrl);
    if (url.password) url.password = "***";
    return url.href;
  } catch {
    return "PostgreSQL";
  }
}
