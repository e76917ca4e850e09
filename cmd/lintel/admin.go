package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lintel-dev/lintel/internal/app"
	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/oauth"
	"github.com/lintel-dev/lintel/internal/password"
	"github.com/lintel-dev/lintel/internal/store"
)

// stdin is where --password-stdin reads from; tests replace it.
var stdin io.Reader = os.Stdin

// subcommand dispatches "<group> <verb>" commands such as "accounts create".
func subcommand(group string, verbs map[string]func(context.Context, []string, io.Writer) error, summary string) func(context.Context, []string, io.Writer) error {
	return func(ctx context.Context, args []string, out io.Writer) error {
		if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "-help" || args[0] == "help" {
			fmt.Fprintf(out, "Usage: lintel %s <command> [flags]\n\n%s\n\nCommands:\n", group, summary)
			for _, n := range slices.Sorted(maps.Keys(verbs)) {
				fmt.Fprintf(out, "  %s %s\n", group, n)
			}
			fmt.Fprintf(out, "\nRun 'lintel %s <command> --help' for its flags.\n", group)
			if len(args) == 0 {
				return usageError{"missing command"}
			}
			return nil
		}
		fn, ok := verbs[args[0]]
		if !ok {
			return usageError{fmt.Sprintf("unknown command %q", args[0])}
		}
		return fn(ctx, args[1:], out)
	}
}

var runAccounts = subcommand("accounts", map[string]func(context.Context, []string, io.Writer) error{
	"create": accountsCreate,
	"list":   accountsList,
}, "Accounts are tenants: every site, door, person and credential belongs to one.")

var runUsers = subcommand("users", map[string]func(context.Context, []string, io.Writer) error{
	"create":  usersCreate,
	"invite":  usersInvite,
	"list":    usersList,
	"update":  usersUpdate,
	"disable": usersDisable,
	"enable":  usersEnable,
	"reset":   usersReset,
	"unlock":  usersUnlock,
}, "Users are operators: they sign in to run their account and to authorize OAuth applications for it. "+
	"Each has a role (owner, admin, operator, viewer); see docs/operators.md.")

var runApps = subcommand("apps", map[string]func(context.Context, []string, io.Writer) error{
	"create": appsCreate,
	"update": appsUpdate,
}, "OAuth applications are the integrations that call the API on an account's behalf.")

// openStore opens the configured database for an admin command.
func openStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, usageError{err.Error()}
	}
	return app.OpenStore(ctx, cfg, cfg.Logger(io.Discard))
}

// openAccount opens the database and resolves an --account value; the
// caller closes the store. On error nothing is left open.
func openAccount(ctx context.Context, cfg *config.Config, ref string) (*store.Store, *domain.Account, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	a, err := findAccount(ctx, st, ref)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, a, nil
}

// findAccount resolves an --account value: a numeric id or an account uid.
func findAccount(ctx context.Context, st *store.Store, ref string) (*domain.Account, error) {
	if strings.TrimSpace(ref) == "" {
		return nil, usageError{"--account is required (an account id or uid; see 'lintel accounts list')"}
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if a, err := st.GetAccount(ctx, id); err == nil {
			return a, nil
		}
	}
	a, err := st.GetAccountByUID(ctx, ref)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, fmt.Errorf("no account %q (see 'lintel accounts list')", ref)
	}
	return a, err
}

func printJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

type accountJSON struct {
	ID       int64  `json:"id"`
	UID      string `json:"uid"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
	PIN      string `json:"enterprise_pin,omitempty"`
}

func accountsCreate(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("accounts create", "--name NAME [flags]", "Creates an account and prints its id, which users create, apps create and the other\n"+
		"commands take as --account (the demo's account already has an id: never assume 1).\n"+
		"With --print-id only the id is printed, for scripts:\n"+
		"  ACCOUNT=$(lintel accounts create --name \"Example Co\" --print-id)", out)
	cfg := config.Bind(fs.FlagSet)
	name := fs.String("name", "", "account `name` (required)")
	tz := fs.String("time-zone", "UTC", "IANA time `zone` used for schedules and 'same day' rules, e.g. Europe/London")
	pin := fs.String("pin", "", "enterprise `PIN`: lets users sign in to the password grant as PIN/email")
	asJSON := fs.Bool("json", false, "print the account as JSON")
	printID := fs.Bool("print-id", false, "print only the new account's id")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *asJSON && *printID {
		return usageError{"use --json or --print-id, not both"}
	}
	if strings.TrimSpace(*name) == "" {
		return usageError{"--name is required"}
	}
	if _, err := time.LoadLocation(*tz); err != nil || *tz == "" || *tz == "Local" {
		return usageError{fmt.Sprintf("--time-zone %q is not an IANA time zone (for example Europe/London or America/New_York)", *tz)}
	}
	if *pin != "" && !isDigits(*pin, 4, 12) {
		return usageError{"--pin must be 4 to 12 digits"}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	a := &domain.Account{Name: strings.TrimSpace(*name), TimeZone: *tz, EnterprisePIN: *pin}
	if err := st.CreateAccount(ctx, a); err != nil {
		return err
	}
	if *asJSON {
		return printJSON(out, accountJSON{a.ID, a.UID, a.Name, a.TimeZone, a.EnterprisePIN})
	}
	if *printID {
		fmt.Fprintln(out, a.ID)
		return nil
	}
	fmt.Fprintf(out, "Created account %d (%s) %q in %s\n", a.ID, a.UID, a.Name, a.TimeZone)
	fmt.Fprintf(out, "Use --account %d with lintel users create and lintel apps create.\n", a.ID)
	return nil
}

func accountsList(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("accounts list", "[flags]", "Lists every account.", out)
	cfg := config.Bind(fs.FlagSet)
	asJSON := fs.Bool("json", false, "print the accounts as JSON")
	if err := fs.parse(args); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.ListAccounts(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		rows := make([]accountJSON, 0, len(list))
		for _, a := range list {
			rows = append(rows, accountJSON{a.ID, a.UID, a.Name, a.TimeZone, a.EnterprisePIN})
		}
		return printJSON(out, rows)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUID\tNAME\tTIME ZONE")
	for _, a := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", a.ID, a.UID, a.Name, a.TimeZone)
	}
	return tw.Flush()
}

func isDigits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func usersCreate(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("users create", "--account ID --email EMAIL [flags]",
		"Creates an operator. Without --password-stdin a random password is generated and printed once.", out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "account `id` or uid (required)")
	email := fs.String("email", "", "sign-in `email` (required)")
	first := fs.String("first-name", "", "first `name`")
	last := fs.String("last-name", "", "last `name`")
	admin := fs.Bool("admin", false, "same as --role admin")
	roleName := fs.String("role", "", "`role`: owner, admin, operator or viewer (default operator)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	asJSON := fs.Bool("json", false, "print the user (and any generated password) as JSON")
	if err := fs.parse(args); err != nil {
		return err
	}
	addr := strings.TrimSpace(*email)
	if at := strings.IndexByte(addr, '@'); at < 1 || at == len(addr)-1 || strings.ContainsAny(addr, " \t/") {
		return usageError{"--email must be an email address such as ops@example.com"}
	}
	var role domain.OperatorRole
	if *roleName != "" {
		r, err := domain.ParseOperatorRole(*roleName)
		if err != nil {
			return usageError{err.Error()}
		}
		role = r
	}
	pw, generated := "", false
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
		if len(pw) < password.MinLength {
			return usageError{fmt.Sprintf("the password must be at least %d characters", password.MinLength)}
		}
	} else {
		pw, generated = app.GeneratePassword(), true
	}
	st, a, err := openAccount(ctx, cfg, *account)
	if err != nil {
		return err
	}
	defer st.Close()
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	u := &domain.User{AccountID: a.ID, Email: addr, FirstName: *first, LastName: *last, PasswordHash: hash, Admin: *admin, Role: role}
	if err := st.CreateUser(cliActor(ctx, a.ID, "create"), u); err != nil {
		return err
	}
	if *asJSON {
		v := map[string]any{"id": u.ID, "account_id": a.ID, "email": u.Email, "role": u.Role}
		if generated {
			v["password"] = pw
		}
		return printJSON(out, v)
	}
	fmt.Fprintf(out, "Created user %d <%s> (%s) on account %d (%s)\n", u.ID, u.Email, u.Role, a.ID, a.Name)
	if generated {
		fmt.Fprintf(out, "Password (shown once): %s\n", pw)
	}
	return nil
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func appsCreate(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("apps create", "--account ID --name NAME --redirect-uri URI [flags]",
		"Creates an OAuth application. Its client secret is printed once and stored only as a digest.", out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "owning account `id` or uid (required); while testing, only this account may authorize the app")
	name := fs.String("name", "", "application `name` shown on the consent page (required)")
	var redirects repeated
	fs.Var(&redirects, "redirect-uri", "allowed redirect `URI` (repeat for several; required)")
	scopes := fs.String("scopes", app.DemoScopes().String(), "space-separated `scopes` the app may request")
	state := fs.String("state", domain.AppTesting, "`state`: testing (only the owning account may authorize) or live")
	public := fs.Bool("public", false, "public client without a secret (PKCE is then required)")
	pwGrant := fs.Bool("password-grant", false, "allow the password grant (users sign in as PIN/email or email)")
	requirePKCE := fs.Bool("require-pkce", false, "require PKCE (S256) even though the app has a secret")
	requireState := fs.Bool("require-state", false, "require a state parameter of at least 8 characters")
	approveAdmit := fs.Bool("approve-admit", false, "approve the restricted account.channel.admit scope for this app")
	asJSON := fs.Bool("json", false, "print client_id, client_secret and settings as JSON")
	if err := fs.parse(args); err != nil {
		return err
	}
	set := domain.ParseScopes(*scopes)
	if unknown := set.Unknown(); len(unknown) > 0 {
		return usageError{fmt.Sprintf("--scopes: unknown scope(s) %s", strings.Join(unknown, ", "))}
	}
	st, a, err := openAccount(ctx, cfg, *account)
	if err != nil {
		return err
	}
	defer st.Close()
	created, secret, err := oauth.CreateApp(ctx, st, oauth.NewApp{
		AccountID: a.ID, Name: strings.TrimSpace(*name), RedirectURIs: redirects, Scopes: set,
		Public: *public, State: *state, PasswordGrant: *pwGrant, RequirePKCE: *requirePKCE,
		RequireState: *requireState, AdmitApproved: *approveAdmit,
	})
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) && (de.Code == domain.EINVALID || de.Code == domain.EBADREQUEST) {
			return usageError{de.Error()}
		}
		return err
	}
	if *asJSON {
		return printJSON(out, map[string]any{
			"id": created.ID, "account_id": a.ID, "name": created.Name, "client_id": created.UID,
			"client_secret": secret, "redirect_uris": created.RedirectURIs, "scopes": created.Scopes.List(),
			"state": created.State, "password_grant": created.PasswordGrant,
		})
	}
	fmt.Fprintf(out, "Created OAuth application %q (%s) on account %d\n", created.Name, created.State, a.ID)
	fmt.Fprintf(out, "client_id:     %s\n", created.UID)
	if secret != "" {
		fmt.Fprintf(out, "client_secret: %s   (shown once; it is stored only as a digest)\n", secret)
	}
	fmt.Fprintf(out, "redirect URIs: %s\nscopes:        %s\n", strings.Join(created.RedirectURIs, " "), created.Scopes.String())
	return nil
}

func appsUpdate(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("apps update", "--app CLIENT_ID [flags]",
		"Changes an OAuth application. Only the flags given change. Suspending the app, withdrawing\n"+
			"the admit approval or narrowing its scopes revokes every token issued to it.", out)
	cfg := config.Bind(fs.FlagSet)
	clientID := fs.String("app", "", "the application's `client_id` (required)")
	name := fs.String("name", "", "new `name` shown on the consent page")
	scopes := fs.String("scopes", "", "space-separated `scopes` the app may request (replaces the list)")
	state := fs.String("state", "", "`state`: testing, live or suspended")
	pwGrant := fs.Bool("password-grant", false, "allow (true) or refuse (false) the password grant")
	requirePKCE := fs.Bool("require-pkce", false, "require PKCE (true) or make it optional (false)")
	requireState := fs.Bool("require-state", false, "require a state of at least 8 characters (true) or not (false)")
	approveAdmit := fs.Bool("approve-admit", false, "approve (true) or withdraw (false) the restricted account.channel.admit scope")
	if err := fs.parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *clientID == "" {
		return usageError{"--app is required (the application's client_id)"}
	}
	if set["state"] && *state != domain.AppTesting && *state != domain.AppLive && *state != domain.AppSuspended {
		return usageError{fmt.Sprintf("--state %q must be testing, live or suspended", *state)}
	}
	var newScopes domain.ScopeSet
	if set["scopes"] {
		newScopes = domain.ParseScopes(*scopes)
		if unknown := newScopes.Unknown(); len(unknown) > 0 {
			return usageError{fmt.Sprintf("--scopes: unknown scope(s) %s", strings.Join(unknown, ", "))}
		}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	oa, err := st.GetOAuthAppByUID(ctx, *clientID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return fmt.Errorf("no application with client_id %q", *clientID)
	}
	if err != nil {
		return err
	}
	var upd oauth.AppUpdate
	if set["name"] {
		if strings.TrimSpace(*name) == "" {
			return usageError{"--name must not be empty"}
		}
		upd.Name = name
	}
	if set["scopes"] {
		upd.Scopes = newScopes
	}
	if set["state"] {
		upd.State = state
	}
	if set["password-grant"] {
		upd.PasswordGrant = pwGrant
	}
	if set["require-pkce"] {
		upd.RequirePKCE = requirePKCE
	}
	if set["require-state"] {
		upd.RequireState = requireState
	}
	if set["approve-admit"] {
		upd.AdmitApproved = approveAdmit
	}
	n, why, err := oauth.UpdateApp(ctx, st, oa, upd, time.Now().UTC())
	if err != nil {
		return asUsage(err)
	}
	fmt.Fprintf(out, "Updated OAuth application %q (%s), state %s\n", oa.Name, oa.UID, oa.State)
	if why != "" {
		fmt.Fprintf(out, "Revoked %d token chain(s): %s\n", n, why)
	}
	return nil
}
