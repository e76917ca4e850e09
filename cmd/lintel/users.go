package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/authz"
	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/oauth"
	"github.com/lintel-dev/lintel/internal/store"
)

// The operator verbs of "lintel users". The command line runs with
// database access, so it acts as an owner (authz.CLI); every write is
// recorded in the audit log as made by the command line.

// cliActor puts the command line in ctx as the actor of the account's
// audit log, with the local user name.
func cliActor(ctx context.Context, accountID int64, verb string) context.Context {
	who := os.Getenv("USER")
	if who == "" {
		who = "unknown"
	}
	return store.WithActor(ctx, store.Actor{AccountID: accountID, Kind: store.ActorCLI, Display: "lintel users " + verb + " (" + who + ")"})
}

// openOperator opens the store and finds the account and, in it, the
// operator the command acts on, with the OAuth server that applies
// operator changes. The caller closes the store.
func openOperator(ctx context.Context, cfg *config.Config, account, user string) (*store.Store, *domain.Account, *domain.User, *oauth.Server, error) {
	st, a, err := openAccount(ctx, cfg, account)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	u, err := findUser(ctx, st, a, user)
	if err == nil {
		var srv *oauth.Server
		if srv, err = operatorServer(st, cfg); err == nil {
			return st, a, u, srv, nil
		}
	}
	st.Close()
	return nil, nil, nil, nil, err
}

// operatorServer returns the operator lifecycle over st, making links to
// this server's public URL.
func operatorServer(st *store.Store, cfg *config.Config) (*oauth.Server, error) {
	m, err := cfg.Mailer()
	if err != nil {
		return nil, usageError{err.Error()}
	}
	return oauth.New(oauth.Config{Store: st, Issuer: app.BaseURL(cfg), SendMail: app.OperatorMail(m)})
}

// userStatus is how list shows an operator's state.
func userStatus(u *domain.User) string {
	switch {
	case u.Disabled:
		return "disabled"
	case u.PasswordHash == "":
		return "invited"
	}
	return "active"
}

func usersList(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("users list", "--account ID [--json]", "Lists the account's operators with their role and state (active, invited, disabled).", out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "account `id` or uid (required)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.parse(args); err != nil {
		return err
	}
	st, a, err := openAccount(ctx, cfg, *account)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := st.ListUsers(ctx, a.ID)
	if err != nil {
		return err
	}
	if *asJSON {
		list := make([]map[string]any, 0, len(users))
		for _, u := range users {
			list = append(list, map[string]any{"id": u.ID, "email": u.Email, "first_name": u.FirstName, "last_name": u.LastName,
				"role": u.Role, "status": userStatus(u), "totp": u.TOTPEnabled, "created_at": u.CreatedAt})
		}
		return printJSON(out, list)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tSTATUS\tTOTP")
	for _, u := range users {
		totp := "-"
		if u.TOTPEnabled {
			totp = "on"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, strings.TrimSpace(u.FirstName+" "+u.LastName), u.Role, userStatus(u), totp)
	}
	return tw.Flush()
}

func usersUpdate(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("users update", "--account ID --user ID|EMAIL [--role ROLE] [--name NAME]",
		"Changes an operator's role or name. Lowering a role bounds their tokens and API keys at once. The last active owner keeps the owner role.", out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "account `id` or uid (required)")
	user := fs.String("user", "", "operator `id` or email (required)")
	role := fs.String("role", "", "new `role`: owner, admin, operator or viewer")
	name := fs.String("name", "", "new full `name`: the first word is the first name, the rest the last name")
	first := fs.String("first-name", "", "new first `name`")
	last := fs.String("last-name", "", "new last `name`")
	if err := fs.parse(args); err != nil {
		return err
	}
	var upd store.UserUpdate
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["role"] {
		r, err := domain.ParseOperatorRole(*role)
		if err != nil {
			return usageError{err.Error()}
		}
		upd.Role = &r
	}
	if set["name"] {
		f, l, _ := strings.Cut(strings.TrimSpace(*name), " ")
		l = strings.TrimSpace(l)
		upd.FirstName, upd.LastName = &f, &l
	}
	if set["first-name"] {
		upd.FirstName = first
	}
	if set["last-name"] {
		upd.LastName = last
	}
	if upd.Role == nil && upd.FirstName == nil && upd.LastName == nil {
		return usageError{"nothing to change: give --role, --name, --first-name or --last-name"}
	}
	st, a, u, srv, err := openOperator(ctx, cfg, *account, *user)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err = srv.UpdateOperator(cliActor(ctx, a.ID, "update"), authz.CLI, a.ID, u.ID, upd)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Updated operator %d <%s>: %s, role %s\n", u.ID, u.Email, strings.TrimSpace(u.FirstName+" "+u.LastName), u.Role)
	return nil
}

func usersDisable(ctx context.Context, args []string, out io.Writer) error {
	return usersToggle(ctx, "disable", args, out)
}

func usersEnable(ctx context.Context, args []string, out io.Writer) error {
	return usersToggle(ctx, "enable", args, out)
}

func usersToggle(ctx context.Context, verb string, args []string, out io.Writer) error {
	summary := "Disables an operator: their sessions end, and every OAuth token, consent and personal API key they hold is revoked, at once. They cannot sign in until enabled."
	if verb == "enable" {
		summary = "Enables a disabled operator. What disabling ended stays ended: they sign in again, and applications ask for consent again."
	}
	fs := newFlags("users "+verb, "--account ID --user ID|EMAIL", summary, out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "account `id` or uid (required)")
	user := fs.String("user", "", "operator `id` or email (required)")
	if err := fs.parse(args); err != nil {
		return err
	}
	st, a, u, srv, err := openOperator(ctx, cfg, *account, *user)
	if err != nil {
		return err
	}
	defer st.Close()
	actx := cliActor(ctx, a.ID, verb)
	if verb == "enable" {
		if err := srv.EnableOperator(actx, authz.CLI, a.ID, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(out, "Enabled operator %d <%s>\n", u.ID, u.Email)
		return nil
	}
	if err := srv.DisableOperator(actx, authz.CLI, a.ID, u.ID); err != nil {
		return err
	}
	fmt.Fprintf(out, "Disabled operator %d <%s>: sessions ended; tokens, consents and API keys revoked\n", u.ID, u.Email)
	return nil
}

func usersReset(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("users reset", "--account ID --user ID|EMAIL [--totp] [--no-link]",
		"Makes a one-time link with which the operator chooses a new password (for an invited operator, a new invitation link). "+
			"With --smtp-url it is emailed to them; otherwise it is printed for you to pass on. --totp also removes their TOTP second factor (a lost phone).", out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "account `id` or uid (required)")
	user := fs.String("user", "", "operator `id` or email (required)")
	resetTOTP := fs.Bool("totp", false, "remove the operator's TOTP second factor")
	noLink := fs.Bool("no-link", false, "make no password link (with --totp: only remove the second factor)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *noLink && !*resetTOTP {
		return usageError{"--no-link leaves nothing to do without --totp"}
	}
	st, a, u, srv, err := openOperator(ctx, cfg, *account, *user)
	if err != nil {
		return err
	}
	defer st.Close()
	actx := cliActor(ctx, a.ID, "reset")
	if *resetTOTP {
		if err := srv.ResetSecondFactor(actx, authz.CLI, a.ID, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(out, "Removed the second factor of %s: they sign in with their password and may set it up again\n", u.Email)
	}
	if *noLink {
		return nil
	}
	link, err := srv.ResetPassword(actx, authz.CLI, a.ID, u.ID)
	if err != nil {
		return err
	}
	printLink(out, u.Email, link)
	return nil
}

func usersInvite(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("users invite", "--account ID --email EMAIL [--role ROLE] [--name NAME]",
		"Invites an operator: they get a one-time link (emailed with --smtp-url, else printed) to choose their password. The link expires after 7 days.", out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "account `id` or uid (required)")
	email := fs.String("email", "", "the operator's `email` (required)")
	role := fs.String("role", "operator", "`role`: owner, admin, operator or viewer")
	name := fs.String("name", "", "full `name`: the first word is the first name, the rest the last name")
	if err := fs.parse(args); err != nil {
		return err
	}
	r, err := domain.ParseOperatorRole(*role)
	if err != nil {
		return usageError{err.Error()}
	}
	st, a, err := openAccount(ctx, cfg, *account)
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := operatorServer(st, cfg)
	if err != nil {
		return err
	}
	first, last, _ := strings.Cut(strings.TrimSpace(*name), " ")
	u, link, err := srv.Invite(cliActor(ctx, a.ID, "invite"), authz.CLI, oauth.Invitation{AccountID: a.ID, Email: *email, FirstName: first,
		LastName: strings.TrimSpace(last), Role: r})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Invited operator %d <%s> as %s\n", u.ID, u.Email, u.Role)
	printLink(out, u.Email, link)
	return nil
}

// printLink says where a one-time link went, or prints it.
func printLink(out io.Writer, email string, link *oauth.Link) {
	exp := link.ExpiresAt.UTC().Format("2006-01-02 15:04 MST")
	if link.Emailed {
		fmt.Fprintf(out, "Emailed a one-time link to %s (valid until %s)\n", email, exp)
		return
	}
	fmt.Fprintf(out, "One-time link for %s (valid until %s; no --smtp-url, so pass it on yourself):\n%s\n", email, exp, link.URL)
}
