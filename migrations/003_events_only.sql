-- objects is dropped: each write is one events row. The current state of a key is its newest
-- events row unless that row is a DELETED (the same transaction wrote both tables until now, and
-- compaction always keeps a live key's newest row), which is what load() reads.
DROP TABLE objects;
