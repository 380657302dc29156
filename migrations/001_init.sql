-- The revisioned object store (kine's layout, one process: no polling).
-- objects: the current state, one row per key. events: the append-only change log used for
-- watch replay and for reading the state at an older revision; compaction trims it.
CREATE TABLE objects (
  key       TEXT PRIMARY KEY,
  resource  TEXT NOT NULL,   -- <group or core>/<plural>
  namespace TEXT NOT NULL,
  name      TEXT NOT NULL,
  rv        INTEGER NOT NULL,
  value     TEXT NOT NULL    -- the object as JSON, metadata.resourceVersion included
) WITHOUT ROWID;
CREATE INDEX objects_resource ON objects(resource, key);

CREATE TABLE events (
  rv     INTEGER PRIMARY KEY,  -- the global revision this change took
  key    TEXT NOT NULL,
  type   TEXT NOT NULL,        -- ADDED | MODIFIED | DELETED
  ts     INTEGER NOT NULL,     -- ms since the epoch, for age-based retention
  value  TEXT NOT NULL         -- the object after the change (for DELETED: its last state, at this revision)
);
CREATE INDEX events_key ON events(key, rv);

CREATE TABLE meta (
  k TEXT PRIMARY KEY,
  v INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta(k, v) VALUES ('revision', 1), ('compact_revision', 0);
