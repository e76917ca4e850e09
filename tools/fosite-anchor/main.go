// Command fosite-anchor is the anchor `lintel bench --refresh-anchor`
// measures Lintel's refresh grant beside: an OAuth 2.0 token endpoint
// built on the fosite library, with its in-memory store, which keeps
// every token in the process and writes nothing to disk. It offers the
// password grant (to start each load worker's token chain) and the
// refresh grant with rotation, for one confidential client and one user:
//
//	client bench / bench-secret (HTTP basic authentication)
//	user   bench / bench
//
// The client secret is compared as a SHA-256 digest, as Lintel keeps its
// own, so the anchor spends no more on client authentication than Lintel
// does. It is a separate Go module so that Lintel itself does not depend
// on fosite. See docs/scaling.md.
//
//	cd tools/fosite-anchor && go run . -listen 127.0.0.1:9096
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/storage"
)

// sha256Hasher keeps client secrets as SHA-256 digests.
type sha256Hasher struct{}

func (sha256Hasher) Hash(_ context.Context, data []byte) ([]byte, error) {
	d := sha256.Sum256(data)
	return d[:], nil
}

func (sha256Hasher) Compare(_ context.Context, hash, data []byte) error {
	d := sha256.Sum256(data)
	if subtle.ConstantTimeCompare(hash, d[:]) != 1 {
		return errors.New("secret does not match")
	}
	return nil
}

// memoryStore is fosite's in-memory store with its refresh tokens guarded
// by one lock of its own: the store's RevokeRefreshToken (called by every
// rotation) writes the refresh token map under another lock than the one
// its readers take, and concurrent refreshes crash the process ("concurrent
// map read and map write"). Readers share the lock, as the store meant.
type memoryStore struct {
	*storage.MemoryStore
	refresh sync.RWMutex
}

func (s *memoryStore) CreateRefreshTokenSession(ctx context.Context, signature, accessSignature string, req fosite.Requester) error {
	s.refresh.Lock()
	defer s.refresh.Unlock()
	return s.MemoryStore.CreateRefreshTokenSession(ctx, signature, accessSignature, req)
}

func (s *memoryStore) GetRefreshTokenSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	s.refresh.RLock()
	defer s.refresh.RUnlock()
	return s.MemoryStore.GetRefreshTokenSession(ctx, signature, session)
}

func (s *memoryStore) DeleteRefreshTokenSession(ctx context.Context, signature string) error {
	s.refresh.Lock()
	defer s.refresh.Unlock()
	return s.MemoryStore.DeleteRefreshTokenSession(ctx, signature)
}

func (s *memoryStore) RevokeRefreshToken(ctx context.Context, requestID string) error {
	s.refresh.Lock()
	defer s.refresh.Unlock()
	return s.MemoryStore.RevokeRefreshToken(ctx, requestID)
}

func (s *memoryStore) RotateRefreshToken(ctx context.Context, requestID, signature string) error {
	s.refresh.Lock()
	defer s.refresh.Unlock()
	return s.MemoryStore.RotateRefreshToken(ctx, requestID, signature)
}

// newProvider returns the anchor's OAuth 2.0 provider and its store.
func newProvider() (fosite.OAuth2Provider, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	config := &fosite.Config{
		AccessTokenLifespan:  time.Hour,
		RefreshTokenLifespan: 24 * time.Hour,
		GlobalSecret:         secret,
		ClientSecretsHasher:  sha256Hasher{},
		RefreshTokenScopes:   []string{}, // every grant gets a refresh token
	}
	store := &memoryStore{MemoryStore: storage.NewMemoryStore()}
	digest, _ := sha256Hasher{}.Hash(context.Background(), []byte("bench-secret"))
	store.Clients["bench"] = &fosite.DefaultClient{
		ID:         "bench",
		Secret:     digest,
		GrantTypes: []string{"password", "refresh_token"},
		Scopes:     []string{"bench"},
	}
	store.Users["bench"] = storage.MemoryUserRelation{Username: "bench", Password: "bench"}
	strategy := &compose.CommonStrategy{CoreStrategy: compose.NewOAuth2HMACStrategy(config)}
	return compose.Compose(config, store, strategy,
		compose.OAuth2ResourceOwnerPasswordCredentialsFactory,
		compose.OAuth2RefreshTokenGrantFactory,
	), nil
}

// tokenHandler serves the token endpoint: every scope asked for is granted.
func tokenHandler(p fosite.OAuth2Provider) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		ar, err := p.NewAccessRequest(ctx, r, &fosite.DefaultSession{Subject: "bench"})
		if err != nil {
			p.WriteAccessError(ctx, w, ar, err)
			return
		}
		for _, s := range ar.GetRequestedScopes() {
			ar.GrantScope(s)
		}
		resp, err := p.NewAccessResponse(ctx, ar)
		if err != nil {
			p.WriteAccessError(ctx, w, ar, err)
			return
		}
		p.WriteAccessResponse(ctx, w, ar, resp)
	}
}

func main() {
	listen := flag.String("listen", "127.0.0.1:9096", "`address` to listen on")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: fosite-anchor [-listen address]\n\n"+
			"Serves POST /oauth/token (password and refresh grants, fosite's in-memory store) as the\n"+
			"anchor of lintel bench --refresh-anchor. Client bench/bench-secret, user bench/bench.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	p, err := newProvider()
	if err != nil {
		log.Fatal(err)
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /oauth/token", tokenHandler(p))
	fmt.Fprintf(os.Stderr, "fosite anchor: http://%s/oauth/token\n", l.Addr())
	log.Fatal(http.Serve(l, mux))
}
