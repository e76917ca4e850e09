// Package sim measures a running Lintel under simulated door traffic: it
// starts a server in-process with a demo account, enrols controllers, runs
// the reference agent for each, drives a steady rate of presentations
// drawn from a realistic mix, revokes credentials through the public API
// and reports decision latency, event delivery and revocation propagation.
// With several servers on one PostgreSQL database it spreads the
// controllers over them, splits propagation between the server that took
// the write and the others, and can stop one server halfway (docs/sim.md).
package sim
