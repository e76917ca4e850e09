package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/netguard"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/webhook"
)

var runWebhooks = subcommand("webhooks", map[string]func(context.Context, []string, io.Writer) error{
	"set":    webhooksSet,
	"list":   webhooksList,
	"log":    webhooksLog,
	"replay": webhooksReplay,
}, "Webhooks POST signed notifications of events to an OAuth application's URL\n(and to notification rules' callback URLs). A running server delivers them.")

func webhooksSet(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("webhooks set", "--app CLIENT_ID --url URL [--secret-stdin]",
		"Sets the webhook URL of an OAuth application. Without --secret-stdin a signing secret is generated\n"+
			"and printed once. Setting it again re-enables a disabled endpoint; --remove stops deliveries.", out)
	cfg := config.Bind(fs.FlagSet)
	appID := fs.String("app", "", "the application's `client_id` (required)")
	rawURL := fs.String("url", "", "`URL` notifications are POSTed to (http or https)")
	fromStdin := fs.Bool("secret-stdin", false, "read the signing secret from the first line of standard input")
	remove := fs.Bool("remove", false, "remove the webhook URL (queued deliveries are kept, not sent)")
	allowPrivate := fs.Bool("allow-private", webhook.AllowPrivateFromEnv(), "accept private and loopback addresses (env "+webhook.EnvAllowPrivate+"; the server must allow them too)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if strings.TrimSpace(*appID) == "" {
		return usageError{"--app is required (the application's client_id)"}
	}
	u := strings.TrimSpace(*rawURL)
	if !*remove {
		if u == "" {
			return usageError{"--url is required (or --remove)"}
		}
		if err := (&netguard.Guard{AllowPrivate: *allowPrivate}).CheckURL(ctx, u); err != nil {
			return usageError{"--url: " + err.Error()}
		}
	}
	secret := ""
	if !*remove {
		secret = webhook.NewSecret()
		if *fromStdin {
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && line == "" {
				return usageError{"--secret-stdin: nothing on standard input"}
			}
			secret = strings.TrimRight(line, "\r\n")
			if len(secret) < 16 {
				return usageError{"--secret-stdin: the secret must be at least 16 characters"}
			}
		}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	app, err := st.GetOAuthAppByUID(ctx, strings.TrimSpace(*appID))
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return fmt.Errorf("no application with client_id %q", *appID)
		}
		return err
	}
	if *remove {
		u, secret = "", ""
	}
	ep, err := st.SetAppWebhook(ctx, app.ID, u, secret, time.Now().UTC())
	if err != nil {
		return err
	}
	if *remove {
		fmt.Fprintf(out, "Removed the webhook of %q\n", app.Name)
		return nil
	}
	fmt.Fprintf(out, "Webhook of %q: endpoint %d -> %s\n", app.Name, ep.ID, redactURL(ep.URL))
	if !*fromStdin {
		fmt.Fprintf(out, "signing secret: %s   (shown once; verify the Signature header with it)\n", secret)
	}
	return nil
}

func webhooksList(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("webhooks list", "[flags]", "Lists webhook endpoints: applications' webhooks and notification rules' callbacks.", out)
	cfg := config.Bind(fs.FlagSet)
	if err := fs.parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	eps, err := st.ListWebhookEndpoints(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tOWNER\tURL\tCURSOR\tFAILURES\tSTATE")
	for _, ep := range eps {
		owner := "app " + strconv.FormatInt(ep.AppID, 10)
		if ep.Kind == store.WebhookRule {
			owner = "rule " + strconv.FormatInt(ep.RuleID, 10)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\n", ep.ID, ep.Kind, owner, redactURL(ep.URL), ep.EventCursor, ep.ConsecutiveFailures, endpointState(ep))
	}
	return tw.Flush()
}

func endpointState(ep *store.WebhookEndpoint) string {
	if ep.DisabledAt == nil {
		return "enabled"
	}
	return "disabled " + ep.DisabledAt.Format(time.RFC3339) + ": " + ep.DisabledReason
}

func webhooksLog(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("webhooks log", "--endpoint ID [--limit N] [--before DELIVERY_ID]",
		"Shows an endpoint's state and its deliveries, newest first.", out)
	cfg := config.Bind(fs.FlagSet)
	endpoint := fs.Int64("endpoint", 0, "endpoint `id` (see 'lintel webhooks list'; required)")
	limit := fs.Int("limit", 50, "how many deliveries to show (1-1000)")
	before := fs.Int64("before", 0, "show deliveries with ids below this `id` (paging)")
	showSecret := fs.Bool("show-secret", false, "also print the endpoint's signing secret (rule endpoints generate their own)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *endpoint <= 0 {
		return usageError{"--endpoint is required"}
	}
	if *limit < 1 || *limit > 1000 {
		return usageError{"--limit must be between 1 and 1000"}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	ep, err := st.GetWebhookEndpoint(ctx, *endpoint)
	if err != nil {
		return err
	}
	ds, err := st.ListWebhookDeliveries(ctx, ep.ID, *before, *limit)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Endpoint %d (%s) -> %s\nstate: %s\nevent cursor: %d   failures in a row: %d\n\n",
		ep.ID, ep.Kind, redactURL(ep.URL), endpointState(ep), ep.EventCursor, ep.ConsecutiveFailures)
	if *showSecret {
		fmt.Fprintf(out, "signing secret: %s\n\n", ep.Secret)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DELIVERY\tABOUT\tSTATUS\tATTEMPTS\tHTTP\tLATENCY\tLAST ATTEMPT\tNEXT\tACKED\tERROR / RESPONSE")
	for _, d := range ds {
		next := "-"
		if d.Status == store.DeliveryPending {
			next = d.NextAttemptAt.Format(time.RFC3339)
		}
		last, acked := "-", "-"
		if d.LastAttemptAt != nil {
			last = d.LastAttemptAt.Format(time.RFC3339)
		}
		if d.AckedAt != nil {
			acked = d.AckedAt.Format(time.RFC3339)
		}
		detail := d.LastError
		if snip := strings.Join(strings.Fields(d.ResponseSnippet), " "); snip != "" {
			detail = strings.TrimSpace(detail + " " + snip)
		}
		if len(detail) > 80 {
			detail = detail[:80] + "..."
		}
		status := d.Status
		if d.ReplayOf != 0 {
			status += " (replay of " + strconv.FormatInt(d.ReplayOf, 10) + ")"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%dms\t%s\t%s\t%s\t%s\n", d.ID, deliveryAbout(d), status, d.Attempts,
			d.LastStatusCode, d.LastLatency.Milliseconds(), last, next, acked, detail)
	}
	return tw.Flush()
}

func webhooksReplay(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("webhooks replay", "--delivery ID | --endpoint ID --since EVENT_ID",
		"Sends notifications again, as new deliveries with new ids: one delivery (of an event or a\n"+
			"credential change), or every event after EVENT_ID that the endpoint receives.", out)
	cfg := config.Bind(fs.FlagSet)
	delivery := fs.Int64("delivery", 0, "delivery `id` to send again")
	endpoint := fs.Int64("endpoint", 0, "endpoint `id` to rewind (with --since)")
	since := fs.Int64("since", -1, "replay events with ids above this `event id`")
	if err := fs.parse(args); err != nil {
		return err
	}
	switch {
	case *delivery > 0 && (*endpoint > 0 || *since >= 0):
		return usageError{"use either --delivery or --endpoint with --since"}
	case *delivery <= 0 && (*endpoint <= 0 || *since < 0):
		return usageError{"--delivery ID, or --endpoint ID with --since EVENT_ID, is required"}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC()
	if *delivery > 0 {
		d, err := st.ReplayWebhookDelivery(ctx, *delivery, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Queued delivery %d (%s to endpoint %d), a replay of %d\n", d.ID, deliveryAbout(d), d.EndpointID, d.ReplayOf)
		return nil
	}
	if err := st.RewindWebhookEndpoint(ctx, *endpoint, *since, now); err != nil {
		return err
	}
	fmt.Fprintf(out, "Endpoint %d will receive every event after %d again\n", *endpoint, *since)
	return nil
}

// deliveryAbout says what a delivery announces: "event ID" or, for a
// credential change, "change ID".
func deliveryAbout(d *store.WebhookDelivery) string {
	if d.ChangeID != 0 {
		return "change " + strconv.FormatInt(d.ChangeID, 10)
	}
	return "event " + strconv.FormatInt(d.EventID, 10)
}

// redactURL drops the query and credentials of a URL for display: they may
// carry tokens.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "..."
	}
	return u.String()
}
