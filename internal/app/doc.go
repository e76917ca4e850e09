// Package app wires Lintel together: config -> store -> OAuth server and
// API -> one HTTP server with health, readiness and metrics endpoints. The
// command line and the end-to-end tests both start the program through it,
// so tests exercise the same code path as production.
//
// The controller hub and the webhook worker learn of writes from the
// store's announcements, whoever made them; Serve also runs the store's
// listener, through which writes of other servers on the same PostgreSQL
// database arrive, and logs the store's failures to announce this
// server's writes to them (retried by the store). Several servers may share one PostgreSQL database
// behind a load balancer (docs/scaling.md).
//
// It also creates the demo (EnsureDemo; its operator owns the account, so
// the one person trying Lintel may use every page of the console) and, for `lintel demo --coworkhq`,
// registers the CoWork HQ sample app of examples/coworkhq with it
// (EnsureCoworkHQ), writing the settings that app reads to coworkhq.env.
//
// On SQLite an App that listens holds the data directory's lock (package
// datadir) until Close: a second server on the same directory fails in New,
// naming the holder. Options.NoListen builds an App for commands that only
// use its store and demo: it binds no port and takes no lock. /readyz fails
// when the SQLite file was removed or replaced under the running server.
//
// /metrics is on the public listener unless Config.MetricsListen gives it
// a listener of its own (then it is only there); Config.MetricsToken makes
// it require that bearer token, compared in constant time and never
// logged. A path known with other methods answers 405 with Allow, not 404.
// ListenNote explains the 127.0.0.1 URLs of a server listening on every
// interface; the demo's /callback page shows the code's real client_id
// (oauth.Server.CodeClient); Version and ReadBuildInfo come from the
// build information the toolchain recorded.
package app
