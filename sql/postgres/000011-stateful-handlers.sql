-- seriatim PostgreSQL schema 11: stateful handler jobs (README: Handler jobs, "Stateful
-- handlers"). checkpoint: the last value the handler saved with `ctx.checkpoint.save` (NULL:
-- none), written under the claim's token while the job runs, kept when it sleeps (`run_at` = its
-- wake-up time, in its lane place) or is reaped, and handed to the next call with the claimed row
-- (the claim functions return `jobs` rows, which now carry the column).
ALTER TABLE jobs ADD COLUMN checkpoint jsonb;
