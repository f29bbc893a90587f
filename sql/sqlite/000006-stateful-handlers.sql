-- seriatim SQLite schema 6: stateful handler jobs (README: Handler jobs, "Stateful handlers").
-- checkpoint: the last value the handler saved with `ctx.checkpoint.save` (JSON; NULL: none),
-- written under the claim's token while the job runs, kept when it sleeps (`run_at` = its wake-up
-- time, in its lane place) or is reaped, and handed to the next call with the claimed row.
ALTER TABLE jobs ADD COLUMN checkpoint TEXT;
