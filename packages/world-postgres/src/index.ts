export { POSTGRES_UNAVAILABLE, PostgresUnavailableError } from "./errors.js";
export {
  openPostgresWorld,
  PostgresWorld,
  type PostgresWorldOptions,
  type PostgresWorldStats,
  postgresWorld,
} from "./postgres-world.js";
export { migratePostgres, POSTGRES_SCHEMA_VERSION } from "./schema.js";
