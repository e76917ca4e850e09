package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

// familyNames lists the restricted API families for help texts.
func familyNames() string {
	var parts []string
	for _, f := range domain.Families {
		parts = append(parts, f.Name+" ("+f.Label+")")
	}
	return strings.Join(parts, ", ")
}

// runAllow is "lintel allow": it adds, removes or lists allow-list entries.
func runAllow(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("allow", "--account ID [--user ID|EMAIL] --family FAMILY [--remove]",
		"Enables a restricted API family for a whole account, or for one operator with --user.\n"+
			"Without --family it lists the account's entries (every account's without --account).\n"+
			"Families: "+familyNames()+".", out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "account `id` or uid")
	user := fs.String("user", "", "only this operator: user `id` or email")
	family := fs.String("family", "", "restricted API `family` to enable")
	remove := fs.Bool("remove", false, "remove the entry instead of adding it")
	asJSON := fs.Bool("json", false, "print the list as JSON")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *family != "" {
		if _, ok := domain.LookupFamily(*family); !ok {
			return usageError{fmt.Sprintf("--family %q is not a restricted family; one of: %s", *family, familyNames())}
		}
		if *account == "" {
			return usageError{"--account is required with --family"}
		}
	} else if *user != "" || *remove {
		return usageError{"--family is required with --user or --remove"}
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
	if *family == "" {
		return listGrants(ctx, st, acct, *asJSON, out)
	}
	var u *domain.User
	if *user != "" {
		if u, err = findUser(ctx, st, acct, *user); err != nil {
			return err
		}
	}
	var userID int64
	who := fmt.Sprintf("account %d (%s)", acct.ID, acct.Name)
	if u != nil {
		userID, who = u.ID, fmt.Sprintf("<%s> on account %d", u.Email, acct.ID)
	}
	if *remove {
		if err := st.DisallowFamily(ctx, acct.ID, userID, *family); err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return fmt.Errorf("%s is not on the %s allow-list", who, *family)
			}
			return err
		}
		fmt.Fprintf(out, "Removed %s from the %s allow-list\n", who, *family)
		return nil
	}
	if err := st.AllowFamily(ctx, acct.ID, userID, *family, time.Now().UTC()); err != nil {
		return err
	}
	fmt.Fprintf(out, "Enabled %s for %s\n", *family, who)
	if f, _ := domain.LookupFamily(*family); f.SendsEmail && !acct.Verified {
		fmt.Fprintf(out, "Note: %s sends email, so the account must also be verified: lintel verify --account %d\n", *family, acct.ID)
	}
	return nil
}

func listGrants(ctx context.Context, st *store.Store, acct *domain.Account, asJSON bool, out io.Writer) error {
	var acctID int64
	if acct != nil {
		acctID = acct.ID
	}
	list, err := st.ListFamilyGrants(ctx, acctID)
	if err != nil {
		return err
	}
	if asJSON {
		rows := make([]map[string]any, 0, len(list))
		for _, g := range list {
			rows = append(rows, map[string]any{"id": g.ID, "account_id": g.AccountID, "user_id": g.UserID, "family": g.Family, "created_at": g.CreatedAt})
		}
		return printJSON(out, rows)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tUSER\tFAMILY")
	for _, g := range list {
		who := "(everyone)"
		if g.UserID != 0 {
			who = fmt.Sprint(g.UserID)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", g.AccountID, who, g.Family)
	}
	return tw.Flush()
}

// accountsVerify marks an account verified (or, with --undo, unverified).
// Verified accounts pass the trust gate of operations that send email.
func accountsVerify(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("verify", "--account ID [--undo]",
		"Marks an account verified, which operations that send email (issuing mobile credentials) require.", out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "account `id` or uid (required)")
	undo := fs.Bool("undo", false, "mark the account unverified again")
	if err := fs.parse(args); err != nil {
		return err
	}
	st, a, err := openAccount(ctx, cfg, *account)
	if err != nil {
		return err
	}
	defer st.Close()
	a.Verified = !*undo
	if err := st.UpdateAccount(ctx, a); err != nil {
		return err
	}
	state := "verified"
	if *undo {
		state = "not verified"
	}
	fmt.Fprintf(out, "Account %d (%s) is %s\n", a.ID, a.Name, state)
	return nil
}
