package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/gateway"
	"github.com/lintel-dev/lintel/internal/store"
)

var runKeys = subcommand("keys", map[string]func(context.Context, []string, io.Writer) error{
	"create": keysCreate,
	"list":   keysList,
	"revoke": keysRevoke,
}, "Personal API keys let an operator's scripts call the API without OAuth: send the key\nas the HTTP Basic user name (curl -u KEY:x). A key acts for its operator's account\nwith the scopes chosen when it was created.")

// findUser resolves a --user value: a numeric id or an email. With an
// account, the user must belong to it; without one, an email must match a
// single user.
func findUser(ctx context.Context, st *store.Store, acct *domain.Account, ref string) (*domain.User, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, usageError{"--user is required (a user id or email)"}
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		u, err := st.GetUser(ctx, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && acct != nil && u.AccountID != acct.ID) {
			return nil, fmt.Errorf("no user %s on that account", ref)
		}
		return u, err
	}
	if acct != nil {
		u, err := st.GetUserByEmail(ctx, acct.ID, ref)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil, fmt.Errorf("no user %q on account %d", ref, acct.ID)
		}
		return u, err
	}
	list, err := st.FindUsersByEmail(ctx, ref)
	if err != nil {
		return nil, err
	}
	switch len(list) {
	case 0:
		return nil, fmt.Errorf("no user %q", ref)
	case 1:
		return list[0], nil
	default:
		return nil, usageError{fmt.Sprintf("%d users have the email %q; name the account with --account", len(list), ref)}
	}
}

// asUsage turns validation errors from the domain into usage errors (exit 2).
func asUsage(err error) error {
	var de *domain.Error
	if errors.As(err, &de) && (de.Code == domain.EINVALID || de.Code == domain.EBADREQUEST) {
		return usageError{de.Error()}
	}
	return err
}

type apiKeyJSON struct {
	ID         int64      `json:"id"`
	AccountID  int64      `json:"account_id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Key        string     `json:"key,omitempty"`
}

func apiKeyView(k *store.APIKey) apiKeyJSON {
	return apiKeyJSON{ID: k.ID, AccountID: k.AccountID, UserID: k.UserID, Name: k.Name, Prefix: k.Prefix,
		Scopes: k.Scopes.List(), CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
}

func keysCreate(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("keys create", "--user ID|EMAIL --name NAME --scopes SCOPES [flags]",
		"Creates a personal API key for an operator. The key is printed once and stored only as a digest.", out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "account `id` or uid the user belongs to (needed when the email is used on several accounts)")
	user := fs.String("user", "", "operator: user `id` or email (required)")
	name := fs.String("name", "", "`name` that says what the key is for (required)")
	scopes := fs.String("scopes", "", "space-separated `scopes` the key acts with (required), e.g. \"account.person account.sync\"")
	asJSON := fs.Bool("json", false, "print the key and its settings as JSON")
	if err := fs.parse(args); err != nil {
		return err
	}
	set := domain.ParseScopes(*scopes)
	if len(set) == 0 {
		return usageError{"--scopes is required (see docs/gateway.md for the list)"}
	}
	if unknown := set.Unknown(); len(unknown) > 0 {
		return usageError{fmt.Sprintf("--scopes: unknown scope(s) %s", strings.Join(unknown, ", "))}
	}
	if strings.TrimSpace(*name) == "" {
		return usageError{"--name is required"}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var acct *domain.Account
	if *account != "" {
		if acct, err = findAccount(ctx, st, *account); err != nil {
			return err
		}
	}
	u, err := findUser(ctx, st, acct, *user)
	if err != nil {
		return err
	}
	k, raw, err := gateway.CreateAPIKey(ctx, st, gateway.NewAPIKey{AccountID: u.AccountID, UserID: u.ID, Name: *name, Scopes: set}, nil)
	if err != nil {
		return asUsage(err)
	}
	if *asJSON {
		v := apiKeyView(k)
		v.Key = raw
		return printJSON(out, v)
	}
	fmt.Fprintf(out, "Created API key %d %q for <%s> on account %d\n", k.ID, k.Name, u.Email, k.AccountID)
	fmt.Fprintf(out, "key:    %s   (shown once; it is stored only as a digest)\n", raw)
	fmt.Fprintf(out, "scopes: %s\nuse:    curl -u %s:x <base URL>/api/3/account\n", k.Scopes.String(), raw)
	return nil
}

func keysList(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("keys list", "[flags]", "Lists personal API keys (never the keys themselves), revoked ones included.", out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "only keys of this account `id` or uid")
	user := fs.String("user", "", "only keys of this user `id` or email")
	asJSON := fs.Bool("json", false, "print the keys as JSON")
	if err := fs.parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var acctID, userID int64
	var acct *domain.Account
	if *account != "" {
		if acct, err = findAccount(ctx, st, *account); err != nil {
			return err
		}
		acctID = acct.ID
	}
	if *user != "" {
		u, err := findUser(ctx, st, acct, *user)
		if err != nil {
			return err
		}
		userID = u.ID
	}
	list, err := st.ListAPIKeys(ctx, acctID, userID)
	if err != nil {
		return err
	}
	if *asJSON {
		rows := make([]apiKeyJSON, 0, len(list))
		for _, k := range list {
			rows = append(rows, apiKeyView(k))
		}
		return printJSON(out, rows)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tACCOUNT\tUSER\tNAME\tKEY\tLAST USED\tSTATE")
	for _, k := range list {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s…\t%s\t%s\n", k.ID, k.AccountID, k.UserID, k.Name, k.Prefix, when(k.LastUsedAt), revokedState(k.RevokedAt))
	}
	return tw.Flush()
}

func keysRevoke(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("keys revoke", "--id ID [flags]", "Revokes a personal API key; requests with it are refused at once.", out)
	cfg := config.Bind(fs.FlagSet)
	id := fs.Int64("id", 0, "key `id` (see 'lintel keys list'; required)")
	account := fs.String("account", "", "only revoke if the key belongs to this account `id` or uid")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *id <= 0 {
		return usageError{"--id is required"}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var acctID int64
	if *account != "" {
		a, err := findAccount(ctx, st, *account)
		if err != nil {
			return err
		}
		acctID = a.ID
	}
	if err := st.RevokeAPIKey(ctx, acctID, *id, time.Now().UTC()); err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return fmt.Errorf("no API key %d (see 'lintel keys list')", *id)
		}
		return err
	}
	fmt.Fprintf(out, "Revoked API key %d\n", *id)
	return nil
}

// when formats an optional time for listings.
func when(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

func revokedState(t *time.Time) string {
	if t == nil {
		return "active"
	}
	return "revoked " + t.UTC().Format(time.RFC3339)
}
