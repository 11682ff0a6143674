-- A node's grain state in SQLite (the node's own grains, and on a single node the swarm's too), read and written by
-- SqliteStateStore. The table and its key columns are those of Orleans' ADO.NET grain storage, which kept this
-- state before, so what it wrote is still found. GrainIdExtensionString is stored as '' for "none" so that one
-- unique index can serve as the upsert target.

PRAGMA journal_mode = WAL;
-- The store's connection runs with synchronous = NORMAL: a commit is not fsynced, which costs ~5 ms per write on
-- this kind of disk and a container takes six of them from run to removal. WAL keeps the database consistent whatever happens; a commit survives a crash or kill -9 of the daemon
-- (what re-adoption relies on) but the last ones may be lost if the machine itself loses power, when the
-- containers they describe are gone too.

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            INTEGER NOT NULL,
    GrainIdN0              INTEGER NOT NULL,
    GrainIdN1              INTEGER NOT NULL,
    GrainTypeHash          INTEGER NOT NULL,
    GrainTypeString        TEXT    NOT NULL,
    GrainIdExtensionString TEXT    NOT NULL,
    ServiceId              TEXT    NOT NULL,
    PayloadBinary          BLOB    NULL,
    ModifiedOn             TEXT    NOT NULL,
    Version                INTEGER NOT NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage ON OrleansStorage
    (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString, ServiceId);
