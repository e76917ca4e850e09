package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/gateway"
	"github.com/lintel-dev/lintel/internal/store"
)

var runSubscriptions = subcommand("subscriptions", map[string]func(context.Context, []string, io.Writer) error{
	"enable":  subscriptionsEnable,
	"disable": subscriptionsDisable,
	"create":  subscriptionsCreate,
	"list":    subscriptionsList,
	"revoke":  subscriptionsRevoke,
}, "Subscription keys identify an account's API subscription (the Ocp-Apim-Subscription-Key\nheader). Once an account requires them, API calls without a valid key are refused before\nany token is looked at. Running servers see changes within a few seconds.")

func subscriptionsEnable(ctx context.Context, args []string, out io.Writer) error {
	return subscriptionsSwitch(ctx, "enable", true, args, out)
}

func subscriptionsDisable(ctx context.Context, args []string, out io.Writer) error {
	return subscriptionsSwitch(ctx, "disable", false, args, out)
}

func subscriptionsSwitch(ctx context.Context, verb string, on bool, args []string, out io.Writer) error {
	summary := "Makes every API call of the account need a valid subscription key."
	if !on {
		summary = "Stops requiring subscription keys on the account (keys that are sent are still checked)."
	}
	fs := newFlags("subscriptions "+verb, "--account ID [flags]", summary, out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "account `id` or uid (required)")
	if err := fs.parse(args); err != nil {
		return err
	}
	st, a, err := openAccount(ctx, cfg, *account)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetSubscriptionRequired(ctx, a.ID, on, time.Now().UTC()); err != nil {
		return err
	}
	if on {
		keys, err := st.ListSubscriptionKeys(ctx, a.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Account %d (%s) now requires a subscription key on every API call\n", a.ID, a.Name)
		if activeKeys(keys) == 0 {
			fmt.Fprintf(out, "It has no active key yet: create one with 'lintel subscriptions create --account %d --name NAME'\n", a.ID)
		}
		return nil
	}
	fmt.Fprintf(out, "Account %d (%s) no longer requires a subscription key\n", a.ID, a.Name)
	return nil
}

func activeKeys(keys []*store.SubscriptionKey) int {
	n := 0
	for _, k := range keys {
		if k.RevokedAt == nil {
			n++
		}
	}
	return n
}

type subscriptionJSON struct {
	ID           int64      `json:"id"`
	AccountID    int64      `json:"account_id"`
	Name         string     `json:"name"`
	Prefix       string     `json:"prefix"`
	RequestCount int64      `json:"request_count"`
	CreatedAt    time.Time  `json:"created_at"`
	LastUsedAt   *time.Time `json:"last_used_at"`
	RevokedAt    *time.Time `json:"revoked_at"`
	Key          string     `json:"key,omitempty"`
}

func subscriptionView(k *store.SubscriptionKey) subscriptionJSON {
	return subscriptionJSON{ID: k.ID, AccountID: k.AccountID, Name: k.Name, Prefix: k.Prefix, RequestCount: k.RequestCount,
		CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
}

func subscriptionsCreate(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("subscriptions create", "--account ID --name NAME [flags]",
		"Creates a subscription key. It is printed once and stored only as a digest.", out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "account `id` or uid (required)")
	name := fs.String("name", "", "`name` of the subscription, e.g. the integrator's name (required)")
	asJSON := fs.Bool("json", false, "print the key as JSON")
	if err := fs.parse(args); err != nil {
		return err
	}
	st, a, err := openAccount(ctx, cfg, *account)
	if err != nil {
		return err
	}
	defer st.Close()
	k, raw, err := gateway.CreateSubscriptionKey(ctx, st, a.ID, *name, nil)
	if err != nil {
		return asUsage(err)
	}
	if *asJSON {
		v := subscriptionView(k)
		v.Key = raw
		return printJSON(out, v)
	}
	fmt.Fprintf(out, "Created subscription key %d %q on account %d\n", k.ID, k.Name, a.ID)
	fmt.Fprintf(out, "key: %s   (shown once; it is stored only as a digest)\n", raw)
	fmt.Fprintf(out, "use: -H '%s: %s'\n", gateway.SubscriptionHeader, raw)
	return nil
}

func subscriptionsList(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("subscriptions list", "[flags]",
		"Lists subscription keys with their usage (written by running servers every few seconds), revoked ones included.", out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "only keys of this account `id` or uid")
	asJSON := fs.Bool("json", false, "print the keys as JSON")
	if err := fs.parse(args); err != nil {
		return err
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
	list, err := st.ListSubscriptionKeys(ctx, acctID)
	if err != nil {
		return err
	}
	required, err := st.SubscriptionRequiredAccounts(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		rows := make([]subscriptionJSON, 0, len(list))
		for _, k := range list {
			rows = append(rows, subscriptionView(k))
		}
		return printJSON(out, rows)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tACCOUNT\tNAME\tKEY\tREQUESTS\tLAST USED\tSTATE")
	for _, k := range list {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s…\t%d\t%s\t%s\n", k.ID, k.AccountID, k.Name, k.Prefix, k.RequestCount, when(k.LastUsedAt), revokedState(k.RevokedAt))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(required) > 0 {
		fmt.Fprintf(out, "\nAccounts that require a subscription key: %v\n", required)
	}
	return nil
}

func subscriptionsRevoke(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("subscriptions revoke", "--id ID [flags]", "Revokes a subscription key; requests with it are refused at once.", out)
	cfg := config.Bind(fs.FlagSet)
	id := fs.Int64("id", 0, "key `id` (see 'lintel subscriptions list'; required)")
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
	if err := st.RevokeSubscriptionKey(ctx, 0, *id, time.Now().UTC()); err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return fmt.Errorf("no subscription key %d (see 'lintel subscriptions list')", *id)
		}
		return err
	}
	fmt.Fprintf(out, "Revoked subscription key %d\n", *id)
	return nil
}
