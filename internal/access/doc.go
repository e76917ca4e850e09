// Package access decides whether a door opens.
//
// A Snapshot holds everything one account's doors need to decide locally:
// credentials indexed by (credential type, value), people with their
// validity dates, groups, direct roles, reservations and group
// reservations, roles with their doors and optional shift, compiled weekly
// shifts, and each door's state (mode, relock time, lockdown flags,
// auto-unlock shift). Build builds one from domain values (a Source): the
// server reads them from the store as the controller snapshot
// (controller.LoadAccess), a door controller from the snapshot it
// downloaded (wire.Snapshot.Source). The package imports only domain.
//
// Evaluate is a pure function of a Snapshot, a door, a presented credential
// and an instant. It does no I/O, takes no locks and does not allocate, so
// the same code serves the server (admit_person checks, the simulator) and
// a controller agent. ShiftActive exposes the shift rule alone, for pages
// that preview a shift. The Decision carries the DoorFlow event code (admits
// 10-18, rejects 20-29), a finer Reason, the person and, on demand, a human
// label such as "Jane Doe admitted using card".
//
// A Snapshot never changes after it is built. Updates come in two ways:
//
//   - Apply(Delta) returns a new Snapshot with changed people (and
//     everything hanging off them: credentials, reservations, group
//     reservations) and changed door state. It copies only what changed:
//     the large indexes are two-level (a shared base plus a small overlay)
//     and are merged into a fresh base once the overlay grows past an
//     eighth of the base, so the cost of a delta is proportional to its
//     size, amortised.
//   - Anything else (roles, shifts, sites, credential types, the account's
//     time zone) is rebuilt: call Build again. Those tables are small, but
//     people reference them everywhere, so a rebuild is the simple and
//     safe path.
//
// docs/access.md describes the rules, their order and the event codes.
package access
