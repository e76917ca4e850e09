// Package bench measures a Lintel server beside the ceilings it is judged
// against, in one run, so that ratios stay meaningful on any machine: the
// list pages beside a static net/http server sending the same bytes (once
// as a polling client gets them, from the list cache, and once computed
// with the cache off), deep pages beside the first (computed), POST
// /api/3/people beside a bare INSERT of the same row with the same
// driver into a table with the people table's columns and indexes and
// nothing else, and the refresh grant over HTTP, beside another OAuth server's
// when Config.RefreshAnchor names one (tools/fosite-anchor, a module of
// its own on the fosite library) or else against 2,500/s; then
// one skip_pagination=true request (its time and heap) and the CPU the
// idle server uses. Run starts the server in-process (SQLite in a
// temporary directory, or a scratch schema of a PostgreSQL database that
// is dropped afterwards), seeds it, calls Config.Seeded (where `lintel
// bench --cpuprofile` starts its profile, so seeding is not in it), runs
// each measure for a number of rounds alternating with its anchor and
// reports medians. `lintel bench` prints the Report; see docs/scaling.md
// for the figures and how to read them.
package bench
