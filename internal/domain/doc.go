// Package domain holds Lintel's plain data types, the one error type whose
// code maps to an HTTP status in exactly one place, and the OAuth scope
// catalogue. It performs no I/O.
package domain
