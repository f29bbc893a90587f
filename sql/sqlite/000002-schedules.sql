-- seriatim SQLite schema 2: recurring schedules (IScheduleStore), one row per schedule with its
-- latest claimed tick. Times are integers, ms since epoch.

CREATE TABLE schedules (
  id TEXT PRIMARY KEY,
  cron TEXT NOT NULL,
  timezone TEXT NOT NULL,
  job TEXT, -- JSON job input; NULL for a function job, which only the process holding it can run
  created_at INTEGER NOT NULL,
  -- Ticks at or before this instant never run (creation, or the pattern's last change).
  since INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  -- The latest claimed tick (NULL: none yet). claimTick moves it forward in one conditional
  -- UPDATE, so exactly one caller wins each tick; a save keeps it.
  last_tick INTEGER
) WITHOUT ROWID;

-- `list` order.
CREATE INDEX schedules_created ON schedules (created_at, id);
