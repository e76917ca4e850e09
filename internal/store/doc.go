// Package store persists Lintel's data in SQLite (the embedded default) or
// PostgreSQL through one implementation over database/sql. Queries are
// written once with '?' placeholders and rebound for PostgreSQL; the schema
// is written once in portable SQL (see migrations/). Every method that reads
// or writes tenant data takes the account id and filters on it, so no query
// can cross accounts.
//
// Methods return *domain.Error values with code ENOTFOUND or ECONFLICT where
// the caller can act on them; any other error is internal.
package store
