// Package wire holds the messages of the door-controller protocol
// (/controller/v1) as Go types: the snapshot a controller downloads, the
// changes it long-polls for, the events it uploads, the commands it
// collects and the heartbeat answer. It converts them to the access
// engine's input (Snapshot.Source, Changes.Delta) and folds changes into a
// snapshot (Snapshot.Apply, Merge).
//
// It imports only domain and access, never the store or a database
// driver, so a controller (the reference agent, a hardware driver) links
// no SQL. internal/archtest guards that.
//
// docs/controller-protocol.md describes every message.
package wire
