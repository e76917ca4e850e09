// Package controller is the server side of the door-controller protocol
// (/controller/v1). The protocol's message types live in the wire
// subpackage and the reference controller in agent; neither links this
// package, the store or a database driver.
//
// A controller is enrolled by an operator for some doors (or for every
// door with its MAC address) and authenticates with a device secret, kept
// only as a SHA-256 digest. It downloads a wire.Snapshot of everything the
// access engine needs for its doors, decides locally with
// access.Evaluate, and follows changes by long-polling GET changes. The
// Hub follows the store's access journal: every write that changes what a
// door decides appends a row naming a person, a door or the whole
// account, in the write's own transaction, and the journal position is the
// sequence controllers keep. A controller behind receives the people and
// doors that changed since its sequence as a delta; an account-wide change,
// or a controller older than the hub's recent changes, is told to resync
// (download the snapshot again). The hub reads the journal as changes are
// announced while a controller of the account waits in GET changes, and
// otherwise when the next request of one arrives. It reads the journal,
// and snapshots, through store.ReadConsistent: an account's writers
// journal side by side on PostgreSQL, and that read waits for those still
// committing, so the hub never moves past a row that is not yet visible. Controllers upload
// events in batches with their own idempotency keys; each event is
// answered on its own (stored, duplicate, or refused with the reason when
// it can never be stored, which the controller then drops), so one bad
// event cannot wedge an outbox. They send heartbeats that keep their doors
// online, and collect channel commands (remote admissions, lockdowns...)
// and report their outcomes.
//
// LoadAccess builds the access engine's snapshot of an account from the
// same wire snapshot controllers download, so the server and its doors
// decide from one reading of the database.
//
// docs/controller-protocol.md describes the protocol for firmware writers.
package controller
