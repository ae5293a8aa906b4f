import { resolveConfig } from "@wfkit/builder";
import { migratePostgres } from "@wfkit/world-postgres";
import { type ParsedArgs, UsageError } from "../args.js";
import { describeWorld } from "../world/index.js";

/**
 * `wf migrate [--postgres-url URL]`: brings the PostgreSQL World's schema up to
 * date (apps also do it when they start; this is for a deploy step that runs first).
 */
export async function migrateCommand({ positional, flags }: ParsedArgs): Promise<number> {
  if (positional.length > 0) throw new UsageError(`migrate takes no arguments, not ${positional.join(" ")}`);
  const config = resolveConfig({
    root: process.cwd(),
    postgresUrl: flags["postgres-url"] as string | undefined,
  });
  if (!config.postgresUrl) {
    throw new UsageError(
      "migrate needs a PostgreSQL database: pass --postgres-url postgres://user:pass@host:5432/db or set WORKFLOW_POSTGRES_URL (the SQLite World migrates itself when it opens)",
    );
  }
  const { applied, version } = await migratePostgres(config.postgresUrl);
  const where = describeWorld(config);
  process.stdout.write(
    applied.length > 0
      ? `wf migrate: ${where} is at schema version ${version} (applied ${applied.join(", ")})\n`
      : `wf migrate: ${where} is up to date (schema version ${version})\n`,
  );
  return 0;
}
