package lintel

import (
	"context"
	"net/http"
)

// Health is the answer of GET /healthz.
type Health struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

// Readiness is the answer of GET /readyz.
type Readiness struct {
	Status   string `json:"status"`   // ok or unavailable
	Database string `json:"database"` // sqlite or postgres
}

// AuthorizationServerMetadata is the RFC 8414 description of the OAuth
// server.
type AuthorizationServerMetadata struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	RevocationEndpoint    string   `json:"revocation_endpoint"`
	ScopesSupported       []string `json:"scopes_supported"`
	ResponseTypes         []string `json:"response_types_supported"`
	GrantTypes            []string `json:"grant_types_supported"`
}

// ServiceService calls Lintel's service endpoints, which need no token.
// DoorFlow does not have them.
type ServiceService struct{ c *Client }

// Health reports whether the server process answers (getHealth).
func (s *ServiceService) Health(ctx context.Context) (*Health, error) {
	var out Health
	_, err := s.c.call(ctx, &request{method: "GET", path: "/healthz"}, &out)
	return ptrOrNil(&out, err)
}

// Ready reports whether the server and its database answer (getReadiness).
// A server whose database is down answers 503, returned as Readiness with
// Status "unavailable" and no error.
func (s *ServiceService) Ready(ctx context.Context) (*Readiness, error) {
	var out Readiness
	_, err := s.c.call(ctx, &request{method: "GET", path: "/readyz", want: []int{http.StatusOK, http.StatusServiceUnavailable}}, &out)
	return ptrOrNil(&out, err)
}

// OpenAPI returns the server's OpenAPI 3.1 description as JSON
// (getOpenAPIDocument).
func (s *ServiceService) OpenAPI(ctx context.Context) ([]byte, error) {
	resp, err := s.c.do(ctx, &request{method: "GET", path: "/api/3/openapi.json"})
	if err != nil {
		return nil, err
	}
	return resp.body, nil
}

// AuthorizationServer returns the OAuth server's metadata
// (getAuthorizationServerMetadata).
func (s *ServiceService) AuthorizationServer(ctx context.Context) (*AuthorizationServerMetadata, error) {
	var out AuthorizationServerMetadata
	_, err := s.c.call(ctx, &request{method: "GET", path: "/.well-known/oauth-authorization-server"}, &out)
	return ptrOrNil(&out, err)
}
