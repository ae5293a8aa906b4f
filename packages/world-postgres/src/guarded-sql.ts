/**
 * Migration 5: `wfkit.apply_guarded`, a whole guarded batch (see run-cache.ts) as one
 * statement, so one round trip and one statement to parse instead of BEGIN, a guard, a
 * statement per ack and per message, the multi-row writes and COMMIT. A statement is its
 * own transaction: if any part fails, nothing of it commits.
 *
 * In order, as the pipelined statements did: lock the runs (in run id order, as every
 * batch does, so two processes cannot deadlock) and compare them with the remembered rows
 * (a difference raises SQLSTATE 40001: the caller runs the batch again, reading first);
 * the queue operations of the writes in submission order (`a`: ack one message id, `m`:
 * insert one message, `e`: a run ended, delete its messages); release the ended runs'
 * hooks; insert new runs; update changed runs; insert events and dedupe keys (a key
 * already recorded fails the insert, and the batch with it); notify waiting processes.
 * Returns the position (1-based, among the operations) and id of each message inserted.
 */
export const GUARDED_BATCH_FUNCTION = `
  CREATE FUNCTION wfkit.apply_guarded(
    g_run text[], g_status text[], g_output text[], g_error text[], g_started bigint[], g_completed bigint[],
    g_seq int[],
    o_op text[], o_id bigint[], o_run text[], o_kind text[], o_body text[], o_at bigint[], o_key text[],
    o_lease bigint[], o_owner text[],
    p_ended text[], p_now bigint,
    f_run text[], f_workflow text[], f_status text[], f_input text[], f_output text[], f_error text[],
    f_key text[], f_parent text[], f_created bigint[], f_started bigint[], f_completed bigint[], f_seq int[],
    u_run text[], u_status text[], u_output text[], u_error text[], u_started bigint[], u_completed bigint[],
    u_seq int[],
    e_run text[], e_seq int[], e_at bigint[], e_body text[],
    d_run text[], d_key text[],
    p_notify text
  ) RETURNS TABLE (op_index int, message_id bigint) LANGUAGE plpgsql AS $fn$
  DECLARE
    matched int;
    inserted bigint;
  BEGIN
    IF cardinality(g_run) > 0 THEN
      PERFORM 1 FROM wfkit.runs r WHERE r.run_id = ANY(g_run) ORDER BY r.run_id FOR UPDATE;
      SELECT count(*) INTO matched FROM wfkit.runs r
        JOIN unnest(g_run, g_status, g_output, g_error, g_started, g_completed, g_seq)
          AS q(run_id, status, output, error, started_at, completed_at, last_seq)
        ON r.run_id = q.run_id AND r.status = q.status AND r.last_seq = q.last_seq
          AND r.output IS NOT DISTINCT FROM q.output AND r.error IS NOT DISTINCT FROM q.error
          AND r.started_at IS NOT DISTINCT FROM q.started_at AND r.completed_at IS NOT DISTINCT FROM q.completed_at;
      IF matched <> cardinality(g_run) THEN
        RAISE EXCEPTION 'wfkit: a run changed since this process last wrote it' USING ERRCODE = '40001';
      END IF;
    END IF;
    FOR i IN 1 .. coalesce(cardinality(o_op), 0) LOOP
      IF o_op[i] = 'a' THEN
        DELETE FROM wfkit.messages WHERE id = o_id[i];
      ELSIF o_op[i] = 'e' THEN
        DELETE FROM wfkit.messages WHERE run_id = o_run[i];
      ELSE
        inserted := NULL;
        INSERT INTO wfkit.messages (run_id, kind, body, available_at, dedupe_key, leased_until, owner)
          VALUES (o_run[i], o_kind[i], o_body[i], o_at[i], o_key[i], o_lease[i], o_owner[i])
          ON CONFLICT (run_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
          RETURNING id INTO inserted;
        IF inserted IS NOT NULL THEN
          op_index := i;
          message_id := inserted;
          RETURN NEXT;
        END IF;
      END IF;
    END LOOP;
    IF cardinality(p_ended) > 0 THEN
      WITH gone AS (DELETE FROM wfkit.hooks WHERE run_id = ANY(p_ended) RETURNING *)
      INSERT INTO wfkit.released_hooks (token, run_id, op_id, kind, created_at, respond_with, verify, released_at, reason)
      SELECT token, run_id, op_id, kind, created_at, respond_with, verify, p_now, 'run_ended' FROM gone
      ON CONFLICT (token) DO UPDATE SET run_id = excluded.run_id, op_id = excluded.op_id, kind = excluded.kind,
        created_at = excluded.created_at, respond_with = excluded.respond_with, verify = excluded.verify,
        released_at = excluded.released_at, reason = excluded.reason;
    END IF;
    IF cardinality(f_run) > 0 THEN
      INSERT INTO wfkit.runs (run_id, workflow_id, status, input, output, error, idempotency_key, parent_run_id,
          created_at, started_at, completed_at, last_seq)
        SELECT * FROM unnest(f_run, f_workflow, f_status, f_input, f_output, f_error, f_key, f_parent, f_created,
          f_started, f_completed, f_seq);
    END IF;
    IF cardinality(u_run) > 0 THEN
      UPDATE wfkit.runs AS r SET status = u.status, output = u.output, error = u.error,
          started_at = u.started_at, completed_at = u.completed_at, last_seq = u.last_seq
        FROM unnest(u_run, u_status, u_output, u_error, u_started, u_completed, u_seq)
          AS u(run_id, status, output, error, started_at, completed_at, last_seq)
        WHERE r.run_id = u.run_id;
    END IF;
    IF cardinality(e_run) > 0 THEN
      INSERT INTO wfkit.events (run_id, seq, at, body) SELECT * FROM unnest(e_run, e_seq, e_at, e_body);
    END IF;
    IF cardinality(d_run) > 0 THEN
      INSERT INTO wfkit.dedupe_keys (run_id, key) SELECT * FROM unnest(d_run, d_key);
    END IF;
    IF p_notify IS NOT NULL THEN
      PERFORM pg_notify('wfkit_work', p_notify);
    END IF;
  END
  $fn$;
`;

/**
 * Migration 6: run ownership (see `RunOwnership` in @wfkit/world, ownership.ts here).
 * `runs.owner` is the instance that holds the run alone (NULL: nobody); a run is held by
 * the instance that created it, and given up when another process needs it. The guarded
 * batch gets the owner of the runs it creates as one more parameter: a new overload of
 * `wfkit.apply_guarded`, so processes of the previous build keep calling theirs during a
 * rolling deploy (and create runs nobody holds).
 */
export const RUN_OWNERSHIP = `
  ALTER TABLE wfkit.runs ADD COLUMN owner text;
${replaceOnce(
  replaceOnce(
    replaceOnce(GUARDED_BATCH_FUNCTION, "p_notify text\n", "p_notify text, f_owner text[]\n"),
    "created_at, started_at, completed_at, last_seq)",
    "created_at, started_at, completed_at, last_seq, owner)",
  ),
  "f_started, f_completed, f_seq);",
  "f_started, f_completed, f_seq, f_owner);",
)}`;

function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0)
    throw new Error(`wfkit: migration text: "${from}" not found once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}
