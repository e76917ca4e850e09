// Package httpx holds the HTTP plumbing shared by every surface of Lintel:
// the one place where a domain error becomes a status code and a
// DoorFlow-shaped body, JSON reading with size limits, the check that
// refuses text no database can store (NUL, invalid UTF-8) at the edge of
// every surface (CheckRequest, CheckInput, CheckStrings), and middleware
// for panics, request ids and access logs. A 403 built by
// domain.InsufficientScope carries WWW-Authenticate: Bearer
// error="insufficient_scope", scope="..." and a "scope" member;
// AllowedMethods and MethodNotAllowed turn a catch-all's 404 into a 405
// with Allow for a path that exists with other methods.
package httpx
