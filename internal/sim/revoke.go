package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lintel-dev/lintel/internal/access"
	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/controller/agent"
)

// propagationLimit is how long a revocation may take to reach every
// controller before it counts as not propagated.
const propagationLimit = 30 * time.Second

// token gets a password-grant access token of the demo operator, signing
// in as username ("pin/email"). Errors: the token endpoint refusing, with
// its answer.
func token(ctx context.Context, base string, info *app.DemoInfo, username string) (string, error) {
	form := url.Values{"grant_type": {"password"}, "username": {username}, "password": {info.AdminPassword}, "scope": {"account.person"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(info.ClientID), url.QueryEscape(info.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tok) != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("operator token: %d %s", resp.StatusCode, body)
	}
	return tok.AccessToken, nil
}

// revocations deletes n cards through the API, evenly spaced over d, and
// records for each how long it took until every controller refused it.
// Errors: getting the token or a DELETE not answered 200.
func (s *run) revocations(ctx context.Context, base string, info *app.DemoInfo, username string, n int, d time.Duration) error {
	if n == 0 {
		return nil
	}
	tok, err := token(ctx, base, info, username)
	if err != nil {
		return err
	}
	cards := s.mix.candidates(n)
	gap := d / time.Duration(len(cards)+1)
	for _, k := range cards {
		if err := sleepCtx(ctx, gap); err != nil {
			return nil
		}
		seqs := make([]int64, len(s.agents))
		for i, ag := range s.agents {
			seqs[i] = ag.Seq()
		}
		start := time.Now()
		if err := deleteCard(ctx, base, tok, k); err != nil {
			return err
		}
		s.mix.revoke(k.value)
		took, ok := s.propagate(ctx, k.value, seqs, start)
		s.mu.Lock()
		s.revoked++
		if ok {
			s.propagation = append(s.propagation, took)
		}
		s.mu.Unlock()
	}
	return nil
}

// deleteCard revokes one credential with DELETE /api/3/people/{id}/credentials/{id}.
func deleteCard(ctx context.Context, base, tok string, k card) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete,
		fmt.Sprintf("%s/api/3/people/%d/credentials/%s", base, k.personID, url.PathEscape(k.uid)), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<12))
		return fmt.Errorf("revoke card of person %d: %d %s", k.personID, resp.StatusCode, body)
	}
	return nil
}

// propagate waits, for every controller at once, until a new snapshot
// arrives in which the card is unknown, and returns the time from start
// until the last controller got there, or false when one did not within
// propagationLimit. Each check is a real presentation (and event).
func (s *run) propagate(ctx context.Context, value string, seqs []int64, start time.Time) (time.Duration, bool) {
	ctx, cancel := context.WithTimeout(ctx, propagationLimit)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var last time.Duration
	all := true
	for i, ag := range s.agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			took, ok := s.refusedBy(ctx, ag, value, seqs[i], start)
			mu.Lock()
			defer mu.Unlock()
			last = max(last, took)
			all = all && ok
		}()
	}
	wg.Wait()
	return last, all
}

// refusedBy watches one agent's sequence; after each change it presents
// the card once, until the card is refused as unknown.
func (s *run) refusedBy(ctx context.Context, ag *agent.Agent, value string, seq int64, start time.Time) (time.Duration, bool) {
	for {
		for ag.Seq() == seq {
			if sleepCtx(ctx, time.Millisecond) != nil {
				return 0, false
			}
		}
		seq = ag.Seq()
		o, err := ag.Present(agent.Presentation{Kind: "card", Value: value})
		if err == nil {
			s.sent.Add(1)
			s.probes.Add(1)
		}
		if err == nil && !o.Decision.Admit && o.Decision.Reason == access.ReasonUnknownCredential {
			return time.Since(start), true
		}
	}
}
