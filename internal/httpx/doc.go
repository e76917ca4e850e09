// Package httpx holds the HTTP plumbing shared by every surface of Lintel:
// the one place where a domain error becomes a status code and a
// DoorFlow-shaped body, JSON reading with size limits, and middleware for
// panics, request ids and access logs.
package httpx
