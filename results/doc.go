// Package results is ndalab's results store: one SQLite file per run-set
// holding experiments, runs (one attempt at a matrix cell), metrics per
// evaluation step, training series and artifacts.
//
// A Store keeps one writer connection per process and begins every write
// transaction with BEGIN IMMEDIATE, so several processes can write one file
// at once: they queue on the busy timeout instead of failing with
// "database is locked". The file is in WAL mode and must live on a local
// disk (never NFS); files written elsewhere are combined with Merge.
//
// The schema is versioned (PRAGMA user_version) and the file is marked as
// ndalab's (PRAGMA application_id). Open upgrades an older file in place and
// refuses a newer, foreign or corrupt one with an error naming the file.
//
// Values always travel as SQL parameters; the only identifiers ever put
// into SQL text come from fixed lists in this package.
package results
