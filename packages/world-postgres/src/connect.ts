import postgres from "postgres";

/** The client this World talks through (postgres.js), typed loosely: rows are mapped in codec.ts. */
export type Sql = postgres.Sql<Record<string, never>>;
/** A transaction's handle. */
export type Tx = postgres.TransactionSql<Record<string, never>>;
/** A connection reserved from the pool (the group commit drives its transaction by hand, to pipeline it). */
export type Conn = postgres.ReservedSql<Record<string, never>>;

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Most connections in the pool (LISTEN takes one more). */
  max?: number;
}

/**
 * A postgres.js pool for `url`. `int8` columns (epoch milliseconds, message ids)
 * come back as numbers: every value the World stores there is a safe integer.
 * Notices (e.g. "relation already exists, skipping") are not printed.
 */
export function connect(url: string, options: ConnectOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Idle connections are closed, so an idle app holds few.
    idle_timeout: 60,
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (value: number) => String(value),
        parse: (value: string) => Number(value),
      },
    },
  }) as unknown as Sql;
}
