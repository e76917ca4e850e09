// Package api serves Lintel's DoorFlow-compatible REST API under /api/3:
// routing, scope checks, pagination headers, the tolerant reading of
// request bodies real DoorFlow clients send, and the exact response shapes
// of DoorFlow API v3. Handlers hold no SQL; they call internal/store, and
// every store call is scoped to the caller's account.
//
// Pages of people, credentials and events are kept encoded in a bounded
// cache (pagecache.go) and served again only while the account's list
// version (store.ListVersion), read on every request with the access
// token or API key, has not moved. In the same way an account's row and
// credential types, which every write of a person reads, are kept
// (settingscache.go) while the account's settings version has not moved.
//
// Mobile credentials are issued through a MobileIssuer (internal/mobile)
// and revoked through the store (docs/mobile.md); photos sent as
// image_base64 are checked by content (internal/photo), stored with a
// thumbnail and served by RegisterMedia at /media/people/{key}.
package api
