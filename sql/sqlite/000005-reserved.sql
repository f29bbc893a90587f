-- seriatim SQLite schema 5: reserved for a migration of another branch, which replaces this file
-- when both are merged (versions are contiguous, so schema 6 needs a 5). It changes nothing.
SELECT 1;
