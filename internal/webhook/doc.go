// Package webhook delivers events to integrators: DoorFlow-style
// application webhooks (one URL per OAuth application, for every account
// that authorised it), notification-rule callbacks, and a Server-Sent
// Events stream.
//
// Delivery is durable and at-least-once. Each endpoint keeps a cursor over
// the events table; a worker turns new events into rows of a delivery queue
// in the database, leases due rows, POSTs them signed with HMAC-SHA256 (the
// scheme DoorFlow's SDK verifies), and retries failures with exponential
// backoff and jitter. Leases expire, so rows held by a crashed worker are
// picked up again. Every request carries the delivery id so receivers can
// drop duplicates. Several workers (in one process or on several servers
// sharing a database) take turns through the leases.
//
// The worker and the event streams wake when the store announces committed
// events, credential changes or rule changes (New subscribes the service);
// they poll every PollInterval only while an id gap may still fill, wait
// for the next retry's due time, and otherwise poll every IdlePoll (5s) as
// the fallback for writes no announcement reached: idle, they cost nothing
// measurable.
package webhook
