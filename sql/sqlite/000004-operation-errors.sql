-- seriatim SQLite schema 4: an operation can record that its reducer rejected its action (a
-- model with `onReducerError: 'record'`, as Powerhouse's): `error` holds the reducer's message,
-- NULL for an applied operation. Such an operation holds its index and changed nothing.

ALTER TABLE operations ADD COLUMN error TEXT;
