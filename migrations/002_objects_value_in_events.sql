-- objects.value is no longer written: the current state of a key is its newest events row (the
-- same transaction writes both, and compaction always keeps a live key's newest row), so each
-- write stores the JSON once. objects_resource was never read (the store loads everything once).
DROP INDEX objects_resource;
