// Package app wires Lintel together: config -> store -> OAuth server and
// API -> one HTTP server with health, readiness and metrics endpoints. The
// command line and the end-to-end tests both start the program through it,
// so tests exercise the same code path as production.
package app
