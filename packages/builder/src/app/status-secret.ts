// The secret run status tokens are derived from, for an app server: the
// configured one (`secret` / WORKFLOW_SECRET), else one kept in the data folder
// so tokens handed out keep working across restarts and between the processes
// that share the folder.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** The file in the data folder that holds the generated secret. */
export const STATUS_SECRET_FILE = "status-secret";

/**
 * The configured secret, or a function that reads (creating it on first use)
 * `<dataDir>/status-secret`: 32 random bytes, readable by the owner only.
 */
export function appStatusSecret(config: {
  secret?: string;
  dataDir: string;
}): string | (() => Promise<string>) {
  if (config.secret) return config.secret;
  const file = path.join(config.dataDir, STATUS_SECRET_FILE);
  return async () => {
    try {
      return (await readFile(file, "utf8")).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    await mkdir(config.dataDir, { recursive: true });
    try {
      // "wx": of two processes creating it at once, one writes and both read its secret.
      await writeFile(file, randomBytes(32).toString("base64url"), { flag: "wx", mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    return (await readFile(file, "utf8")).trim();
  };
}
