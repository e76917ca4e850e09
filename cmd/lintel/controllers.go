package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lintel-dev/lintel/internal/config"
	"github.com/lintel-dev/lintel/internal/controller"
	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
)

var runControllers = subcommand("controllers", map[string]func(context.Context, []string, io.Writer) error{
	"enroll":   controllersEnroll,
	"list":     controllersList,
	"discover": controllersDiscover,
	"revoke":   controllersRevoke,
}, "Door controllers decide locally for their doors and sync with the server through /controller/v1.")

// idList is a flag of door ids that may be repeated or comma-separated.
type idList []int64

func (l *idList) String() string { return fmt.Sprint(*l) }
func (l *idList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%q is not a door id", part)
		}
		*l = append(*l, id)
	}
	return nil
}

func controllersEnroll(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("controllers enroll", "--channel ID [flags] | --board SERIAL --board-door N=ID [--board-door N=ID ...] [flags]",
		"Enrols a door controller and prints its device secret once (it is stored only as a digest).\n"+
			"With --board, the controller is a UHPPOTE board (see 'lintel controllers discover'): --board-door\n"+
			"binds each board door (1-4) to a Lintel door, which records the board's serial number and\n"+
			"door as its serial_number and unit. docs/hardware.md has the wiring.", out)
	cfg := config.Bind(fs.FlagSet)
	var channels idList
	fs.Var(&channels, "channel", "`id` of a door the controller serves (repeat or comma-separate for several)")
	mac := fs.String("mac", "", "controller `MAC` address: it serves every door of the account with this MAC (needs --account)")
	account := fs.String("account", "", "account `id` or uid (needed with --mac alone; otherwise taken from the doors)")
	name := fs.String("name", "", "a `name` for the controller")
	board := fs.Uint("board", 0, "`serial` number of a UHPPOTE board to enrol as this controller (with --board-door)")
	var doors doorMap
	fs.Var(&doors, "board-door", "`N=ID`: board door N (1-4) is Lintel door ID (repeat or comma-separate; with --board)")
	asJSON := fs.Bool("json", false, "print the controller and its secret as JSON")
	if err := fs.parse(args); err != nil {
		return err
	}
	switch {
	case *board != 0 && (len(channels) > 0 || *mac != ""):
		return usageError{"--board takes its doors from --board-door, not --channel or --mac"}
	case *board != 0 && len(doors.channels()) == 0:
		return usageError{"--board needs --board-door N=ID for at least one of its doors"}
	case *board == 0 && len(doors.channels()) > 0:
		return usageError{"--board-door binds a board's doors: give --board SERIAL too"}
	case *board > 0xffffffff:
		return usageError{"--board is a board's serial number (at most 4294967295)"}
	case *board != 0:
		channels = doors.channels()
	case len(channels) == 0 && *mac == "":
		return usageError{"give --channel ID (or --mac MAC with --account, or --board SERIAL with --board-door)"}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var accountID int64
	if *account != "" {
		a, err := findAccount(ctx, st, *account)
		if err != nil {
			return err
		}
		accountID = a.ID
	}
	for _, ch := range channels {
		owner, err := st.ChannelAccount(ctx, ch)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return usageError{fmt.Sprintf("no door %d", ch)}
		}
		if err != nil {
			return err
		}
		if accountID == 0 {
			accountID = owner
		}
		if owner != accountID {
			return usageError{fmt.Sprintf("door %d belongs to another account", ch)}
		}
	}
	if accountID == 0 {
		return usageError{"--mac needs --account"}
	}
	if *name == "" {
		*name = "controller"
		switch {
		case *board != 0:
			*name = fmt.Sprintf("UHPPOTE board %d", *board)
		case *mac != "":
			*name += " " + *mac
		default:
			*name += " " + channels.String()
		}
	}
	c, secret, err := controller.Enroll(ctx, st, controller.Enrollment{AccountID: accountID, Name: *name, ChannelIDs: channels, MACAddress: *mac})
	if err != nil {
		if code := domain.ErrorCode(err); code == domain.EINVALID {
			return usageError{domain.ErrorMessage(err)}
		}
		return err
	}
	if *board != 0 {
		if err := bindBoardDoors(ctx, st, accountID, uint32(*board), doors); err != nil {
			return err
		}
	}
	served, err := st.ControllerChannels(ctx, c)
	if err != nil {
		return err
	}
	run := "lintel controller --server URL --secret-file FILE --state-dir DIR"
	if *board != 0 {
		run += fmt.Sprintf(" --driver uhppote --board %d@BOARD_ADDRESS", *board)
		for i, id := range doors {
			if id != 0 {
				run += fmt.Sprintf(" --board-door %d=%d", i+1, id)
			}
		}
	}
	if *asJSON {
		v := map[string]any{"id": c.ID, "account_id": c.AccountID, "name": c.Name, "mac_address": c.MACAddress,
			"channel_ids": served, "secret": secret, "run": run}
		if *board != 0 {
			v["board"], v["board_doors"] = *board, doors.String()
		}
		return printJSON(out, v)
	}
	fmt.Fprintf(out, "Enrolled controller %d %q on account %d, serving doors %v\n", c.ID, c.Name, c.AccountID, served)
	fmt.Fprintf(out, "secret: %s   (shown once; it is stored only as a digest)\n", secret)
	fmt.Fprintf(out, "Run it with: %s\n", run)
	return nil
}

func controllersList(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("controllers list", "--account ID [flags]", "Lists an account's controllers (never their secrets).", out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "account `id` or uid (required)")
	asJSON := fs.Bool("json", false, "print the controllers as JSON")
	if err := fs.parse(args); err != nil {
		return err
	}
	st, a, err := openAccount(ctx, cfg, *account)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.ListControllers(ctx, a.ID)
	if err != nil {
		return err
	}
	type door struct {
		ID         int64   `json:"channel_id"`
		Open       *bool   `json:"open"`
		Locked     *bool   `json:"locked"`
		ReportedAt *string `json:"reported_at"`
	}
	type row struct {
		ID       int64   `json:"id"`
		Name     string  `json:"name"`
		Channels []int64 `json:"channel_ids"`
		Doors    []door  `json:"door_states"` // what the controller last reported about its doors' contacts and locks
		LastSeen *string `json:"last_seen_at"`
		Revoked  bool    `json:"revoked"`
	}
	states, err := st.DoorStates(ctx, a.ID)
	if err != nil {
		return err
	}
	rows := []row{}
	for _, c := range list {
		chans, err := st.ControllerChannels(ctx, c)
		if err != nil {
			return err
		}
		r := row{ID: c.ID, Name: c.Name, Channels: chans, Doors: []door{}, Revoked: c.RevokedAt != nil}
		for _, ch := range chans {
			if s, ok := states[ch]; ok {
				at := s.ReportedAt.Format(time.RFC3339)
				r.Doors = append(r.Doors, door{ID: ch, Open: s.Open, Locked: s.Locked, ReportedAt: &at})
			}
		}
		if c.LastSeenAt != nil {
			s := c.LastSeenAt.Format("2006-01-02T15:04:05Z07:00")
			r.LastSeen = &s
		}
		rows = append(rows, r)
	}
	if *asJSON {
		return printJSON(out, rows)
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tDOORS\tDOOR STATES\tLAST SEEN\tREVOKED")
	for _, r := range rows {
		seen := "never"
		if r.LastSeen != nil {
			seen = *r.LastSeen
		}
		var doorStates []string
		for _, d := range r.Doors {
			doorStates = append(doorStates, fmt.Sprintf("%d %s/%s", d.ID, word(d.Open, "open", "closed"), word(d.Locked, "locked", "unlocked")))
		}
		states := strings.Join(doorStates, ", ")
		if states == "" {
			states = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%v\t%s\t%s\t%v\n", r.ID, r.Name, r.Channels, states, seen, r.Revoked)
	}
	return tw.Flush()
}

func controllersRevoke(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("controllers revoke", "--account ID --id CONTROLLER [flags]",
		"Refuses a controller's device secret from now on (within "+controller.DeviceCacheTTL.String()+" on a running server).\n"+
			"Enrol a replacement with 'lintel controllers enroll'.", out)
	cfg := config.Bind(fs.FlagSet)
	account := fs.String("account", "", "account `id` or uid (required)")
	id := fs.Int64("id", 0, "the controller's `id`, as 'lintel controllers list' shows it (required)")
	if err := fs.parse(args); err != nil {
		return err
	}
	if *id <= 0 {
		return usageError{"give --id CONTROLLER (see 'lintel controllers list')"}
	}
	st, a, err := openAccount(ctx, cfg, *account)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.RevokeController(ctx, a.ID, *id, time.Now()); err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return fmt.Errorf("account %d has no controller %d that is not already revoked", a.ID, *id)
		}
		return err
	}
	fmt.Fprintf(out, "Revoked controller %d of account %d\n", *id, a.ID)
	return nil
}

// bindBoardDoors records on each bound door the board's serial number,
// the board door it is and the board's model.
func bindBoardDoors(ctx context.Context, st *store.Store, accountID int64, serial uint32, doors doorMap) error {
	for i, id := range doors {
		if id == 0 {
			continue
		}
		ch, err := st.GetChannel(ctx, accountID, id)
		if err != nil {
			return err
		}
		sn, model := fmt.Sprint(serial), boardModel
		ch.SerialNumber, ch.Unit, ch.Model, ch.ModelLong = &sn, i+1, &model, "UHPPOTE "+boardModel+" access controller"
		if err := st.UpdateChannel(ctx, ch); err != nil {
			return fmt.Errorf("record board door %d on door %d: %w", i+1, id, err)
		}
	}
	return nil
}

// word names a reported flag: yes or no, "?" when not reported.
func word(b *bool, yes, no string) string {
	switch {
	case b == nil:
		return "?"
	case *b:
		return yes
	}
	return no
}
