// Package uhppote makes a UHPPOTE UT0311-L0x access controller board (one,
// two or four doors) the hardware of a Lintel controller. The board keeps
// the access list and decides by itself; the Driver implements the
// reference agent's Board interface and keeps the board in step with the
// access list the agent follows over /controller/v1.
//
// compile works out what the board should hold at an instant: a card row
// per card or fob number, with the whole days of the holder's validity
// and, per board door, access at any time or a chain of time profiles
// (chain) for the union of their shifts; and each door's control mode
// (controlled, normally open, normally closed) from its channel's state.
// Whatever the board cannot hold exactly is left out — never widened —
// and reported. Limits inside a day (validity, reservations, relock
// times, auto-unlock minutes) make the plan change at that instant, and
// the driver writes the board again then.
//
// A round of writes compares the plan with the image of what was
// written (kept, with a journal of rounds, in the agent's state
// directory) and writes the differences in an order that never opens
// more than the old or the new list: door modes, profiles, removed cards,
// changed cards, closed profiles. A snapshot download loads the board
// whole. Requests go through github.com/uhppoted/uhppote-core, which
// encodes and decodes every message; lost answers are retried.
//
// The board's events arrive on a UDP listener and, after any gap, are
// read from the board's event store by index; each becomes a Lintel
// event whose id is made of the board's serial number, index and time,
// so the server stores it once however often it is handed over. The
// driver also keeps the board's clock on the wall time of its site's
// zone, daylight saving included, and carries out remote admissions and
// door mode commands. Discover finds boards by broadcast.
//
// The emulator subpackage is a board for tests and `lintel sim`.
// docs/hardware.md describes the setup, the mapping and what was verified
// only against the emulator.
package uhppote
