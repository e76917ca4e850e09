package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lintel-dev/lintel/internal/uhppote"
)

// boardModel is what an enrolled board's doors record as their model.
const boardModel = "UT0311-L0x"

// parseBoard reads SERIAL@ADDR: the board's serial number and its IPv4
// address, with or without a port (60000 by default).
func parseBoard(s string) (uint32, netip.AddrPort, error) {
	serial, addr, ok := strings.Cut(s, "@")
	n, err := strconv.ParseUint(serial, 10, 32)
	if !ok || err != nil || n == 0 {
		return 0, netip.AddrPort{}, fmt.Errorf("--board must be SERIAL@ADDRESS, as in 423187757@192.168.1.100")
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		ip, err2 := netip.ParseAddr(addr)
		if err2 != nil || !ip.Is4() {
			return 0, netip.AddrPort{}, fmt.Errorf("--board: %q is not an IPv4 address (with an optional :port)", addr)
		}
		ap = netip.AddrPortFrom(ip, 60000)
	}
	return uint32(n), ap, nil
}

// doorMap is a repeatable --board-door N=CHANNEL flag: board door N (1-4) is
// Lintel door CHANNEL.
type doorMap uhppote.Doors

func (m *doorMap) String() string {
	var parts []string
	for i, id := range m {
		if id != 0 {
			parts = append(parts, fmt.Sprintf("%d=%d", i+1, id))
		}
	}
	return strings.Join(parts, ",")
}

func (m *doorMap) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		door, ch, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err1 := strconv.Atoi(door)
		id, err2 := strconv.ParseInt(ch, 10, 64)
		if !ok || err1 != nil || err2 != nil || n < 1 || n > 4 || id <= 0 {
			return fmt.Errorf("%q is not BOARD_DOOR=DOOR_ID, as in 1=3", part)
		}
		if m[n-1] != 0 && m[n-1] != id {
			return fmt.Errorf("board door %d is given twice", n)
		}
		for i, other := range m {
			if other == id && i != n-1 {
				return fmt.Errorf("door %d is given for board doors %d and %d", id, i+1, n)
			}
		}
		m[n-1] = id
	}
	return nil
}

func (m *doorMap) channels() []int64 {
	var out []int64
	for _, id := range m {
		if id != 0 {
			out = append(out, id)
		}
	}
	return out
}

// controllersDiscover lists the UHPPOTE boards that answer a broadcast.
func controllersDiscover(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("controllers discover", "[flags]",
		"Lists the UHPPOTE UT0311-L0x controller boards on the local network: it broadcasts the\n"+
			"boards' discovery request and prints each board that answers (serial number, address,\n"+
			"MAC, firmware). Enrol one with 'lintel controllers enroll --board SERIAL --board-door 1=ID ...'.", out)
	bcast := fs.String("broadcast", uhppote.DefaultBroadcast.String(), "`address:port` to send the discovery request to (a subnet's broadcast address, or one board's address)")
	wait := fs.Duration("wait", 2*time.Second, "how long to collect answers")
	asJSON := fs.Bool("json", false, "print the boards as JSON")
	if err := fs.parse(args); err != nil {
		return err
	}
	addr, err := netip.ParseAddrPort(*bcast)
	if err != nil || !addr.Addr().Is4() {
		return usageError{"--broadcast must be an IPv4 address:port such as 192.168.1.255:60000"}
	}
	if *wait <= 0 || *wait > time.Minute {
		return usageError{"--wait must be above 0 and at most 1m"}
	}
	boards, err := uhppote.Discover(ctx, addr, *wait)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(out, boards)
	}
	if len(boards) == 0 {
		fmt.Fprintf(out, "No board answered at %s within %s.\n", addr, *wait)
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERIAL\tADDRESS\tMAC\tFIRMWARE\tDATE")
	for _, b := range boards {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", b.Serial, b.Addr, b.MAC, b.Version, b.Date)
	}
	return tw.Flush()
}
