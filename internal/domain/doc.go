// Package domain holds Lintel's plain data types, the one error type whose
// code maps to an HTTP status in exactly one place, the OAuth scope
// catalogue, the operator roles with the permissions and scopes each may
// hold (operators.go), the pure rules writes must satisfy (rules.go), and
// the digest a mobile pass's code is stored and checked as (mobile.go). It
// performs no I/O.
package domain
