package results

// applicationID marks a SQLite file as an ndalab results store
// (PRAGMA application_id); it spells "NDAL" in ASCII.
const applicationID = 0x4e44414c

// migrations lists the schema, one step per version: migrations[i] takes a
// file from version i to version i+1. Steps are only ever appended; an
// applied step is never edited, because files in the wild were made by it.
var migrations = []string{
	// Version 1: the first schema.
	`
CREATE TABLE experiments (
	name    TEXT PRIMARY KEY,
	created INTEGER NOT NULL -- unix nanoseconds
);
CREATE TABLE runs (
	rid        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	experiment TEXT NOT NULL REFERENCES experiments(name),
	cell_id    TEXT NOT NULL,
	params     TEXT NOT NULL DEFAULT '{}', -- JSON object
	config     TEXT NOT NULL DEFAULT '{}', -- JSON
	seed       INTEGER NOT NULL,
	status     TEXT NOT NULL,
	error      TEXT NOT NULL DEFAULT '',
	step       INTEGER NOT NULL DEFAULT 0,
	started    INTEGER NOT NULL,           -- unix nanoseconds
	ended      INTEGER,                    -- unix nanoseconds; NULL while running
	record     TEXT NOT NULL DEFAULT '{}'  -- JSON reproducibility record
);
CREATE INDEX runs_by_cell ON runs(experiment, cell_id, started);
CREATE TABLE metrics (
	rid   INTEGER NOT NULL REFERENCES runs(rid),
	name  TEXT NOT NULL,
	step  INTEGER NOT NULL,
	value REAL, -- NULL stands for NaN, which SQLite cannot store
	PRIMARY KEY (rid, name, step)
) WITHOUT ROWID;
CREATE TABLE series (
	rid   INTEGER NOT NULL REFERENCES runs(rid),
	name  TEXT NOT NULL,
	step  INTEGER NOT NULL,
	value REAL, -- NULL stands for NaN
	PRIMARY KEY (rid, name, step)
) WITHOUT ROWID;
CREATE TABLE artifacts (
	rid     INTEGER NOT NULL REFERENCES runs(rid),
	kind    TEXT NOT NULL,
	path    TEXT NOT NULL,
	sha256  TEXT NOT NULL,
	size    INTEGER NOT NULL,
	created INTEGER NOT NULL, -- unix nanoseconds
	PRIMARY KEY (rid, kind, path)
);
`,
	// Version 2: metric plugins report which way is better; NULL means the
	// direction was not reported. Tables read one metric of every run: the
	// index covers those reads, so they never touch the table.
	`
ALTER TABLE metrics ADD COLUMN higher_is_better INTEGER;
CREATE INDEX metrics_by_name ON metrics(name, rid, step, value, higher_is_better);
`,
	// Version 3: a running run is leased by the process working on it, which
	// renews the lease by heartbeat; a lease past lease_until is dead and may
	// be taken over. All three are NULL when no process holds the run.
	`
ALTER TABLE runs ADD COLUMN lease_owner TEXT;    -- "pid@host/token"
ALTER TABLE runs ADD COLUMN lease_until INTEGER; -- unix nanoseconds
ALTER TABLE runs ADD COLUMN heartbeat INTEGER;   -- unix nanoseconds of the last renewal
`,
}

// SchemaVersion is the schema version this build writes; it equals
// len(migrations), which a test checks.
const SchemaVersion = 3
