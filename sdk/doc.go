// Package lintel is the Go SDK for Lintel's /api/3 API, which is
// wire-compatible with DoorFlow API v3: the same client works against a
// Lintel server and against DoorFlow itself (NewClient(DoorFlowBaseURL)).
//
// Import it as:
//
//	import lintel "github.com/lintel-dev/lintel/sdk"
//
// It depends on the standard library, golang.org/x/oauth2 and
// golang.org/x/sync only: nothing of the server, and no database driver.
//
// # Calling the API
//
// A Client groups the operations by resource (c.People, c.Credentials,
// c.Channels, ...). Every method takes a context first. Lists come as one
// page (List, returning a PageInfo) or as an iterator over every item that
// follows the pages for you (All, an iter.Seq2[*T, error]):
//
//	for p, err := range c.People.All(ctx, nil) {
//		if err != nil { ... }
//		fmt.Println(p.Name())
//	}
//
// People.Photo and PhotoThumbnail download a person's photo by the URLs
// the person carries, without sending credentials. AuditEvents reads the
// account's audit log (a Lintel extension).
//
// Any answer other than the operation's success is an *Error carrying the
// status, the error code, the message and the field errors; use errors.As.
// Idempotent calls (GET, PUT, DELETE) are retried on 429 and 503, honouring
// Retry-After (RetryPolicy); POSTs never are.
//
// # Authentication
//
// Auth runs the OAuth 2.0 authorization-code flow with PKCE and state
// (AuthCodeURL, HandleCallback), keeps the grant in a TokenStorage,
// refreshes it ahead of expiry and revokes it on Disconnect. Refresh
// tokens are single-use, so concurrent refreshes are collapsed: within a
// process by single-flight, across processes by the storage's Update lock
// (FileStorage uses an OS file lock). Personal API keys (WithAPIKey) and
// fixed tokens (WithAccessToken) are alternatives, and WithSubscriptionKey
// adds the Ocp-Apim-Subscription-Key header.
//
// # Webhooks and the event stream
//
// WebhookHandler verifies signed deliveries (Signature and Timestamp
// headers, with a replay window) and hands over typed notifications,
// fetching the event or credential each one is about. Events.Stream
// follows GET /api/3/events/stream and resumes after the last event seen.
package lintel
