package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/store"
)

// usersUnlock is "lintel users unlock EMAIL": it clears the sign-in
// throttle of an operator who failed too often (and, with --address, of
// a client address), so they can sign in again at once.
func usersUnlock(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("users unlock", "EMAIL [--address IP] [flags]",
		"Clears the failed sign-in counter of an operator's email, so the login page and the\n"+
			"password grant accept them again at once (after five wrong passwords they are refused\n"+
			"for 15 minutes). Every server on the database sees the change immediately.", out)
	cfg := config.Bind(fs.FlagSet)
	email := fs.String("email", "", "the operator's sign-in `email` (or give it as the first argument)")
	address := fs.String("address", "", "also clear the counter of this client `IP` address (50 failures in 15 minutes)")
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		*email, args = args[0], args[1:]
	}
	if err := fs.parse(args); err != nil {
		return err
	}
	addr := strings.TrimSpace(*email)
	if addr == "" {
		return usageError{"give the operator's email: lintel users unlock ops@example.com"}
	}
	if *address != "" && net.ParseIP(*address) == nil {
		return usageError{fmt.Sprintf("--address %q is not an IP address", *address)}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	users, err := st.FindUsersByEmail(ctx, addr)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		return fmt.Errorf("no operator has the email %q", addr)
	}
	keys := []string{store.UserThrottleKey(addr)}
	if *address != "" {
		keys = append(keys, store.AddrThrottleKey(net.ParseIP(*address).String()))
	}
	// The clearing is in the audit log of the operator's account, by the
	// command line, in the same transaction.
	changes := map[string]any{"email": users[0].Email}
	if *address != "" {
		changes["address"] = net.ParseIP(*address).String()
	}
	actx := store.WithOperation(cliActor(ctx, users[0].AccountID, "unlock"),
		store.Operation{Resource: "operators", ResourceID: strconv.FormatInt(users[0].ID, 10), Action: "unlock", Changes: changes})
	var n int64
	err = st.InTx(actx, func(tx *store.Store) error {
		var err error
		n, err = tx.ClearLoginAttempts(actx, keys...)
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(out, "%s was not locked; nothing to clear\n", users[0].Email)
		return nil
	}
	fmt.Fprintf(out, "Unlocked %s: cleared %d sign-in counter(s)\n", users[0].Email, n)
	return nil
}
