// Package apispec holds Lintel's own OpenAPI 3.1 description of its HTTP
// API (openapi.yaml, embedded) and serves it as JSON.
//
// The document covers the DoorFlow-compatible /api/3 operations, the OAuth
// endpoints, Lintel's extensions and the service endpoints. Its tests keep
// it true: it must load as valid OpenAPI 3.1, name exactly the routes the
// program registers, match the DoorFlow contract's paths, methods and
// status codes for the compatible operations, and describe real answers of
// a running server.
package apispec
