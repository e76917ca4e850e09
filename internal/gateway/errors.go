package gateway

import "github.com/lintel-dev/lintel/internal/domain"

// Wire names of the errors the gateway produces (the "error" member of
// the DoorFlow body).
const (
	WireSubscriptionRequired = "subscription_key_required"
	WireSubscriptionInvalid  = "invalid_subscription_key"
	WireTrustRequired        = "trust_required"
	WireRateLimited          = "rate_limited"
)

// SubscriptionHeader is the request header that carries a subscription key.
const SubscriptionHeader = "Ocp-Apim-Subscription-Key"

func errSubscriptionMissing() *domain.Error {
	return &domain.Error{Code: domain.EUNAUTHORIZED, Wire: WireSubscriptionRequired,
		Message: "This account requires a subscription key; send it in the " + SubscriptionHeader + " header"}
}

func errSubscriptionInvalid() *domain.Error {
	return &domain.Error{Code: domain.EUNAUTHORIZED, Wire: WireSubscriptionInvalid,
		Message: "The subscription key is invalid or has been revoked"}
}

func errSubscriptionOtherAccount() *domain.Error {
	return &domain.Error{Code: domain.EUNAUTHORIZED, Wire: WireSubscriptionInvalid,
		Message: "The subscription key does not belong to the account of these credentials"}
}

func errAPIKeyInvalid() *domain.Error {
	return &domain.Error{Code: domain.EUNAUTHORIZED, Wire: "invalid_token",
		Message: "The API key is invalid or has been revoked"}
}

func errAPIKeyInQuery() *domain.Error {
	return &domain.Error{Code: domain.EUNAUTHORIZED, Wire: "invalid_request",
		Message: "API keys are not accepted in the query string; send the key as the HTTP Basic user name (curl -u KEY:x)"}
}

// ErrFamilyNotEnabled is the 403 for a restricted API family that is not
// on the caller's allow-list, with the wire name "<family>_not_enabled".
func ErrFamilyNotEnabled(family string) *domain.Error {
	return &domain.Error{Code: domain.EFORBIDDEN, Wire: family + "_not_enabled",
		Message: "This account is not enabled for " + familyLabel(family) + "; ask the server operator to allow it"}
}

// ErrTrustRequired is the 403 for an operation that sends email on behalf
// of an account that is not verified.
func ErrTrustRequired() *domain.Error {
	return &domain.Error{Code: domain.EFORBIDDEN, Wire: WireTrustRequired,
		Message: "This operation sends email and needs a verified account; ask the server operator to verify it"}
}

func errRateLimited(retryAfter int, which string) *domain.Error {
	return &domain.Error{Code: domain.ERATELIMIT, Wire: WireRateLimited, RetryAfter: retryAfter,
		Message: "Too many requests for this " + which + "; retry after the number of seconds in Retry-After"}
}
