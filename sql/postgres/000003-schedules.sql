-- seriatim PostgreSQL schema 3: recurring schedules (IScheduleStore), one row per schedule with
-- its latest claimed tick. Times are bigint ms since epoch from the scheduler's injected clock.

CREATE TABLE schedules (
  -- "C" collation: `list` orders ids by their bytes (as SQLite does), not by the database locale.
  id text COLLATE "C" PRIMARY KEY,
  cron text NOT NULL,
  timezone text NOT NULL,
  job jsonb, -- the job input; NULL for a function job, which only the process holding it can run
  created_at bigint NOT NULL,
  -- Ticks at or before this instant never run (creation, or the pattern's last change).
  since bigint NOT NULL,
  updated_at bigint NOT NULL,
  -- The latest claimed tick (NULL: none yet). claimTick moves it forward in one conditional
  -- UPDATE: concurrent claims of one tick queue on the row lock, and the later ones re-check the
  -- condition against the committed row and change nothing, so exactly one caller wins each tick.
  last_tick bigint
);

-- `list` order.
CREATE INDEX schedules_created ON schedules (created_at, id);
