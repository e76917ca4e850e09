// Package agent is the reference door controller: it keeps a copy of the
// server's snapshot for its doors on disk, decides every presentation
// locally with access.Evaluate (whether or not the server answers),
// buffers the resulting events on disk and uploads them when the link
// works (dropping, with a log line, any event the server refuses as one it
// can never store), sends heartbeats, follows changes by long-polling, and carries
// out channel commands such as remote admissions.
//
// The hardware side is behind interfaces. A Reader yields credential
// presentations and button presses and a Relay opens a door: LineReader
// reads them as text lines ("card 1234567890", "pin 1234", "rex"), and
// LogRelay only reports what it would do, which is what `lintel
// controller` uses by default. A mobile pass's code ("mobile CODE") is
// digested (domain.MobileCodeDigest) before the decision, since the access
// list holds only digests of such codes, and, like a PIN, is neither
// printed nor uploaded with the event. A Board is hardware that decides by itself
// (internal/uhppote drives UHPPOTE boards): the agent hands it every
// access list and change, passes it the door commands, records the
// events it reports in the outbox, and heartbeats only while it answers.
package agent
