export {
  openPostgresWorld,
  PostgresWorld,
  type PostgresWorldOptions,
  postgresWorld,
} from "./postgres-world.js";
export { migratePostgres, POSTGRES_SCHEMA_VERSION } from "./schema.js";
