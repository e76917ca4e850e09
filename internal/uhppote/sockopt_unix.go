//go:build !windows

package uhppote

import (
	"fmt"
	"net"
	"syscall"
)

// setBroadcast allows conn to send to a broadcast address.
func setBroadcast(conn *net.UDPConn) error {
	raw, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
	}); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("allow broadcast: %w", serr)
	}
	return nil
}
