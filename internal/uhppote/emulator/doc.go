// Package emulator is a UHPPOTE UT0311-L0x access controller board that
// runs in-process, for tests and the simulator. It answers the board's UDP
// protocol on a real socket: every request is decoded and every reply and
// event encoded by github.com/uhppoted/uhppote-core's own message types and
// codec, so the bytes on the wire are the vendor library's, not ours.
//
// A Board keeps what a real board keeps in flash — a card table in
// insertion order, time profiles 2-254, each door's control mode and open
// delay, the event listener's address and an event store with indices
// that only grow — and decides card swipes by itself from them, with the
// rules the vendor's boards are known to follow (docs/hardware.md lists
// them and what is unverified). Swipe, PressButton, OpenDoorContact and
// CloseDoorContact stand for the reader, the exit button and the door
// contact; each decision is stored as an event and pushed to the listener.
//
// Faults a network and a power supply cause can be injected: DropRate
// loses requests and replies at random, SetOnline(false) takes the board
// off the network (it keeps deciding and storing events), and Reboot
// restarts it on the same address, keeping everything stored and losing
// only what a real board keeps in RAM.
package emulator
