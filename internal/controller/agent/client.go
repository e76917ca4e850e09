package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// client speaks /controller/v1 with a device secret.
type client struct {
	base   string // server URL without a trailing slash
	secret string
	http   *http.Client
}

// statusError is an answer outside 2xx.
type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("server answered %d: %s", e.status, e.body)
}

// do sends a request and decodes a 2xx JSON answer into out (when not
// nil). Errors: the transport's, or *statusError.
func (c *client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.secret)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 256<<20))
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return &statusError{status: res.StatusCode, body: strings.TrimSpace(string(b[:min(len(b), 300)]))}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}
