// Package controller is the server side of the door-controller protocol
// (/controller/v1) and, in its agent subpackage, a reference controller.
//
// A controller is enrolled by an operator for some doors (or for every
// door with its MAC address) and authenticates with a device secret, kept
// only as a SHA-256 digest. It downloads a Snapshot of everything the
// access engine needs for its doors, decides locally with
// access.Evaluate, and follows changes by long-polling GET changes: the
// Hub keeps one sequence number per account, bumped by Notify after every
// write, and a controller whose sequence is behind downloads the snapshot
// again (there are no finer deltas). Controllers upload events in batches
// with their own idempotency keys, send heartbeats that keep their doors
// online, and collect channel commands (remote admissions, lockdowns...)
// and report their outcomes.
//
// docs/controller-protocol.md describes the protocol for firmware writers.
package controller
