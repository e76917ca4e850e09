// Package datadir guards a SQLite data directory against two Lintel
// processes at once. The lock is an operating-system file lock (flock on
// Unix, LockFileEx on Windows) on <dir>/lintel.lock, so it is released
// when its process ends however it ends; no stale lock survives a crash or
// kill -9. The file also records who holds the lock (pid, command, URL,
// start time) so that a refusal can say which process to stop.
//
// Servers (lintel serve and lintel demo) hold the lock for as long as they
// run; commands that delete or replace the database (demo --reset, db
// restore) and db copy from or to the directory hold it while they work.
// Other commands (accounts, users, db backup, ...) open the database beside
// a running server, which SQLite's WAL mode allows, and take no lock.
//
// PostgreSQL needs no such lock: several servers may share one database.
package datadir
