// Package gateway is what stands between the network and the /api/3
// handlers: it checks subscription keys (the Ocp-Apim-Subscription-Key
// header) before any bearer token is looked at, authenticates personal API
// keys (HTTP Basic "<key>:x") next to OAuth bearer tokens, rate-limits per
// credential and per account, and offers the allow-list and trust checks
// that restricted operations call (RequireFamily, RequireTrust).
//
// A personal API key acts with its operator's role as it is now: its
// scopes are cut to what that role may hold, and a disabled operator's
// keys no longer authenticate. The key's lookup also reads its account's
// list versions (domain.Principal.Versions), as an OAuth token's does. Recheck authenticates a request again, for
// long-lived responses (the event stream) that must end with their
// credential.
//
// Refusals the gateway owns (a missing or wrong subscription key, 429) are
// written by Middleware in the DoorFlow error shape; an unauthenticated
// request is passed on so that the API's own 401 answers it.
//
// Hot-path writes are avoided: subscription-key usage and API-key
// last-use times are counted in memory and flushed by Run.
package gateway
