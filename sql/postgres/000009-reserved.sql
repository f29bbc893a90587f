-- seriatim PostgreSQL schema 9: reserved for a migration of another branch, which replaces this
-- file when both are merged (versions are contiguous, so schema 10 needs a 9). It changes nothing.
SELECT 1;
