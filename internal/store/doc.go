// Package store persists Lintel's data in SQLite (the embedded default) or
// PostgreSQL through one implementation over database/sql. Queries are
// written once with '?' placeholders and rebound for PostgreSQL; the schema
// is written once in portable SQL (see migrations/). Every method that reads
// or writes tenant data takes the account id and filters on it, so no query
// can cross accounts.
//
// Every write checks the domain rules of what it stores (the Validate
// methods of domain types, CredentialType.CheckValue, ReservationWindow in
// the doors' zone) before it writes, so no caller can store what the API
// would refuse.
//
// The totals of the people, credential and event lists come from counts
// kept per account (and per UTC day and event code for events) in the
// transaction of every insert and delete of those rows (counts.go), so a
// list page costs the same whatever the size of the account; the totals
// are exact. Lists filtered otherwise count their rows.
//
// List versions (list_versions.go) tell a reader whether the people,
// credential or event pages it computed earlier still stand: triggers on
// every table those pages show raise the account's version in the
// writing transaction, whatever makes the write. A third version,
// ListSettings, does the same for an account's row and credential types.
//
// On SQLite, which runs one writing transaction at a time, the
// transactions that queue while one runs share the next one (group
// commit, group.go): each in a savepoint of its own, so each succeeds or
// fails alone, and one commit (one fsync) for all of them; a caller
// returns after that commit; they all run on one connection kept for
// them. PostgreSQL commits each on its own, on a connection of its own;
// it sends the BEGIN with the transaction's first statement when it can
// (an exec, an insert, or one of the OAuth reads), and the statements
// that end it (the audit rows, the journal with the counts) together
// with its COMMIT, in one round trip (pgtx.go). The rows every write adds
// to (list versions, people blocks, counts) are spread over eight shards
// per account, and each transaction of a process takes a shard no other
// of its transactions holds, when there is one (shards.go), so writers of
// one account do not wait for each other's commit. InWriter is for work that reads, decides and then writes
// with conditional statements (a refresh token's rotation): on SQLite it
// runs in the one writer's transaction, whose reads are cheapest; on
// PostgreSQL outside any transaction, each write one statement
// (RotateOAuthRefreshToken spends a token and inserts its successors in
// one).
//
// After a transaction commits, the store announces what it changed to its
// subscribers (Subscribe): access data (with a row of the access journal
// written in the same transaction), events, credential changes, queued
// door commands, doors coming online or going offline. On PostgreSQL the
// announcement also goes to the other processes with NOTIFY, after the
// COMMIT and off the writer's path: the notifier (notifier.go) sends the
// announcements of the writes that commit together in one NOTIFY
// transaction, and tries again when one fails. Listen hands other
// processes' announcements to the same subscribers. A
// rolled back transaction announces nothing. The journal rows and the
// count changes of a transaction are written last before its commit; on
// PostgreSQL in one statement, which first takes the account's journal
// lock shared, held for that statement and the commit only, with no round
// trip to the client between them. An account's writers journal
// concurrently, so their rows may commit out of id order; ReadConsistent,
// which the controller hub follows the journal with, takes the lock
// exclusively while its snapshot is taken, so it never passes a row that
// is still committing.
//
// Copy copies a whole database to another (SQLite to PostgreSQL, or any
// other pair) with its ids, in one read snapshot of the source and one
// transaction on the target, and checks the row counts of every table
// before committing (on PostgreSQL it writes with COPY, on the one
// connection that holds the target's transaction). It takes its list of
// tables, columns and foreign keys from the database's catalog (Tables),
// never from a list kept by hand, so a table a migration adds is copied
// without anyone remembering it (list_versions and people_blocks, which
// each database's triggers keep, are left out). CheckSchema tells whether a database has
// applied exactly this binary's migrations.
//
// Backup writes a consistent copy of a SQLite database with VACUUM INTO
// while the database stays in use; RestoreSQLite checks a backup, migrates
// it, moves its ids past those of the database it replaces, makes every
// door controller resync, and puts it in place (see backup.go for why
// VACUUM INTO rather than the backup API).
//
// Methods return *domain.Error values with code ENOTFOUND, ECONFLICT or
// EINVALID where the caller can act on them; any other error is internal.
package store
