package store_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lintel-dev/lintel/internal/domain"
	"github.com/lintel-dev/lintel/internal/store"
	"github.com/lintel-dev/lintel/internal/store/storetest"
)

// listen follows the store's NOTIFY channel on a connection of its own and
// returns the payloads it receives.
func listen(t *testing.T, dsn, channel string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	out := make(chan string, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				return
			}
			out <- n.Payload
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		conn.Close(context.Background())
	})
	return out
}

// accountsIn returns the accounts a payload ("origin account:kinds ...")
// names.
func accountsIn(payload string) []int64 {
	fields := strings.Fields(payload)
	if len(fields) == 0 {
		return nil
	}
	var out []int64
	for _, f := range fields[1:] {
		acct, _, _ := strings.Cut(f, ":")
		id, _ := strconv.ParseInt(acct, 10, 64)
		out = append(out, id)
	}
	return out
}

// On PostgreSQL a write hands its changes to the notifier and does not
// wait for the NOTIFY: one that fails neither fails the write nor is lost.
// It is sent again after a backoff, with the changes that gathered
// meanwhile, so writes that commit while a NOTIFY is on its way or being
// retried share one.
func TestFailedNotifyIsSentAgainWithTheWritesThatFollowed(t *testing.T) {
	b := storetest.Postgres(t)
	s := storetest.Open(t, b)
	ctx := context.Background()
	var accounts []int64
	for i := range 3 {
		accounts = append(accounts, newAccount(t, s, fmt.Sprint("Acme ", i)).ID)
	}
	channel := s.SetNotifyChannelForTest("") // pg_notify refuses an empty channel
	heard := listen(t, b.DSN, channel)
	failures := s.AnnounceStats().Failures
	for _, a := range accounts {
		p := &domain.Person{AccountID: a, FirstName: "Kept", Enabled: true}
		if err := s.CreatePerson(ctx, p); err != nil {
			t.Fatalf("the write failed with its NOTIFY: %v", err)
		}
		if _, err := s.GetPerson(ctx, a, p.ID); err != nil {
			t.Fatalf("the person was not kept: %v", err)
		}
	}
	s.SetNotifyChannelForTest(channel)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case payload := <-heard:
			got := accountsIn(payload)
			if !slices.Contains(got, accounts[0]) {
				continue // an account's creation, sent before the channel was broken
			}
			for _, a := range accounts {
				if !slices.Contains(got, a) {
					t.Fatalf("three writes made while NOTIFY failed reached others in more than one: %q names %v, not %d", payload, got, a)
				}
			}
			if st := s.AnnounceStats(); st.Failures == failures {
				t.Fatalf("no failed NOTIFY counted: %+v", st)
			}
			return
		case <-deadline:
			t.Fatal("the writes made while NOTIFY failed never reached other processes")
		}
	}
}

// Close sends what is still waiting for its NOTIFY, even in the notifier's
// backoff after a failure.
func TestCloseSendsPendingAnnouncements(t *testing.T) {
	b := storetest.Postgres(t)
	s := storetest.Open(t, b)
	ctx := context.Background()
	a := newAccount(t, s, "Acme")
	s.SetNotifyBackoffForTest(time.Hour)
	channel := s.SetNotifyChannelForTest("")
	heard := listen(t, b.DSN, channel)
	failures := s.AnnounceStats().Failures
	if err := s.CreatePerson(ctx, &domain.Person{AccountID: a.ID, FirstName: "Last", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); s.AnnounceStats().Failures == failures; { // until the NOTIFY fails: an hour's backoff begins
		if time.Since(start) > 10*time.Second {
			t.Fatal("a NOTIFY on an empty channel did not fail")
		}
		time.Sleep(time.Millisecond)
	}
	s.SetNotifyChannelForTest(channel)
	s.Close()
	select {
	case payload := <-heard:
		if !slices.Contains(accountsIn(payload), a.ID) {
			t.Fatalf("heard %q, not account %d", payload, a.ID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a write's announcement was lost when the store closed")
	}
}

// Concurrent transactions of one process take different shards of the
// count rows, so writers of one account do not wait for each other's
// commit: eight transactions each insert a person of one account and then
// wait for all eight to have inserted. Sharing a row's lock, one would
// wait for another's commit, which waits for it.
func TestConcurrentWritersOfOneAccountDoNotWaitForEachOther(t *testing.T) {
	s := storetest.Open(t, storetest.Postgres(t))
	ctx := context.Background()
	a := newAccount(t, s, "Acme")
	const n = 8
	var inserted sync.WaitGroup
	inserted.Add(n)
	all := make(chan struct{})
	go func() { inserted.Wait(); close(all) }()
	shards := make(chan int, n)
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- s.InTx(ctx, func(tx *store.Store) error {
				p := &domain.Person{AccountID: a.ID, FirstName: fmt.Sprint("Writer ", i), Enabled: true}
				if err := tx.CreatePerson(ctx, p); err != nil {
					inserted.Done()
					return err
				}
				shards <- tx.ShardForTest()
				inserted.Done()
				select {
				case <-all:
					return nil
				case <-time.After(10 * time.Second):
					return fmt.Errorf("writer %d: the others never inserted (waiting for a row this one holds?)", i)
				}
			})
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(shards)
	var got []int
	for sh := range shards {
		got = append(got, sh)
	}
	slices.Sort(got)
	if len(slices.Compact(got)) != n {
		t.Fatalf("eight concurrent transactions took shards %v", got)
	}
	if _, total, err := s.ListPeople(ctx, a.ID, store.PersonFilter{Page: store.Page{Limit: 1}}); err != nil || total != n {
		t.Fatalf("%d people, %v; want %d", total, err, n)
	}
	v, err := s.ListVersion(ctx, a.ID, store.ListPeople)
	if err != nil || v < n {
		t.Fatalf("people version %d (%v) after %d inserts", v, err, n)
	}
}
