-- seriatim PostgreSQL schema 2: the lane barrier.
-- Every transaction that takes lane locks (lock-lanes.ts) first takes this key in shared mode; an
-- enqueue batch with too many distinct lanes for PostgreSQL's lock table takes it exclusively
-- instead of one lock per lane (lock-all-lanes.ts). Same bigint key space as lane_lock_key.
CREATE FUNCTION lane_barrier_key() RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN hashtextextended('seriatim lane barrier' || chr(31) || current_schema(), 0);
