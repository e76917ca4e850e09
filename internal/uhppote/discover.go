package uhppote

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"time"

	codec "github.com/uhppoted/uhppote-core/encoding/UTO311-L0x"
	"github.com/uhppoted/uhppote-core/messages"
)

// DefaultBroadcast is where boards listen for discovery: every host of the
// local network, on the boards' UDP port.
var DefaultBroadcast = netip.MustParseAddrPort("255.255.255.255:60000")

// BoardInfo is what a board says about itself when asked.
type BoardInfo struct {
	Serial  uint32         `json:"serial"`
	Addr    netip.AddrPort `json:"address"` // where it answered from
	IP      string         `json:"ip"`      // its configured address
	Netmask string         `json:"netmask"`
	Gateway string         `json:"gateway"`
	MAC     string         `json:"mac"`
	Version string         `json:"version"`
	Date    string         `json:"date"` // firmware date
}

// Discover sends the boards' "get device" request to broadcast and
// returns the boards that answer within wait, by serial number. The
// request is encoded and the answers decoded by the vendor library's
// codec. Errors: the socket cannot be opened or the request not sent.
func Discover(ctx context.Context, broadcast netip.AddrPort, wait time.Duration) ([]BoardInfo, error) {
	req, err := codec.Marshal(messages.GetDeviceRequest{})
	if err != nil {
		return nil, err
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{})
	if err != nil {
		return nil, fmt.Errorf("discovery socket: %w", err)
	}
	defer conn.Close()
	if err := setBroadcast(conn); err != nil {
		return nil, err
	}
	if _, err := conn.WriteToUDPAddrPort(req, broadcast); err != nil {
		return nil, fmt.Errorf("send discovery request to %v: %w", broadcast, err)
	}
	deadline := time.Now().Add(wait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetReadDeadline(deadline)
	found := map[uint32]BoardInfo{}
	buf := make([]byte, 2048)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			break // the deadline
		}
		var r messages.GetDeviceResponse
		if n != 64 || codec.Unmarshal(buf[:n], &r) != nil || r.SerialNumber == 0 {
			continue
		}
		found[uint32(r.SerialNumber)] = BoardInfo{Serial: uint32(r.SerialNumber), Addr: netip.AddrPortFrom(from.Addr().Unmap(), from.Port()),
			IP: r.IpAddress.String(), Netmask: r.SubnetMask.String(), Gateway: r.Gateway.String(), MAC: r.MacAddress.String(),
			Version: r.Version.String(), Date: r.Date.String()}
	}
	out := make([]BoardInfo, 0, len(found))
	for _, s := range slices.Sorted(maps.Keys(found)) {
		out = append(out, found[s])
	}
	return out, ctx.Err()
}
