package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
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

// revocations deletes n cards through the API, evenly spaced over d (one
// whose propagation outlasts the gap delays the next), and records for
// each how long it took until every controller refused it.
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
	begin := time.Now()
	for i, k := range cards {
		if err := sleepCtx(ctx, time.Until(begin.Add(time.Duration(i+1)*gap))); err != nil {
			return nil
		}
		seqs := make([]int64, len(s.ctrls))
		for i, c := range s.ctrls {
			seqs[i] = c.ag.Seq()
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

// refusedAsUnknown reports whether the agent refused a card it does not
// know.
func refusedAsUnknown(o agent.Outcome) bool {
	return !o.Decision.Admit && o.Decision.Reason == access.ReasonUnknownCredential
}

// propagate watches every controller's sequence and, each time one
// changes, asks that controller's agent to decide on the card (Decide: no
// door released, no event), until every controller refuses it as
// unknown. It returns the time from start until the last refusal, observed
// within a few milliseconds, or false when one did not come within
// propagationLimit. A controller whose link is cut counts too: the
// revocation has not reached it.
func (s *run) propagate(ctx context.Context, value string, seqs []int64, start time.Time) (time.Duration, bool) {
	deadline := start.Add(propagationLimit)
	done := make([]bool, len(s.ctrls))
	left := len(s.ctrls)
	var last time.Duration
	for {
		for i, c := range s.ctrls {
			seq := c.ag.Seq()
			if done[i] || seq == seqs[i] {
				continue
			}
			seqs[i] = seq
			s.probes.Add(1)
			if refusedAsUnknown(c.ag.Decide(agent.Presentation{Kind: "card", Value: value})) {
				done[i] = true
				left--
				took := time.Since(start)
				last = max(last, took)
				s.mu.Lock()
				if c.server == 0 {
					s.sameServer = append(s.sameServer, took)
				} else {
					s.crossServer = append(s.crossServer, took)
				}
				s.mu.Unlock()
			}
		}
		if left == 0 {
			return last, true
		}
		if time.Now().After(deadline) || sleepCtx(ctx, 2*time.Millisecond) != nil {
			return last, false
		}
	}
}
