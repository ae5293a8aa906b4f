// The ./rows entry: row shapes and row-to-record mapping shared by the SQL Worlds.
export * from "./mapping.js";
