package store

import (
	"math/rand/v2"
	"sync"
)

// On PostgreSQL the counts that every write adds to (list_versions,
// people_blocks, account_counts, event_day_counts) are spread over
// countShards rows per account, and a transaction adds to one of them: the
// row is locked from its first addition to the transaction's commit, so
// two transactions on one row of one account run one after the other.
// Each transaction of this process takes its shard from shardSlots: the
// one the fewest of the process's transactions hold at the moment, so that
// up to countShards concurrent transactions of a process never share a
// row. The triggers read it from the transaction's setting lintel.shard
// (migration 0033); the journal statement passes it itself
// (flushPending). Each process starts its search at a shard of its own,
// drawn at random, so that processes writing one account one transaction
// at a time are likely to keep to different rows.
type shardSlots struct {
	mu    sync.Mutex
	held  [countShards]int
	first int
}

func newShardSlots() *shardSlots {
	return &shardSlots{first: rand.IntN(countShards)}
}

// take returns the shard for a transaction; put gives it back when the
// transaction has ended.
func (s *shardSlots) take() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	best := s.first
	for i := 1; i < countShards; i++ {
		if j := (s.first + i) % countShards; s.held[j] < s.held[best] {
			best = j
		}
	}
	s.held[best]++
	return best
}

func (s *shardSlots) put(shard int) {
	s.mu.Lock()
	s.held[shard]--
	s.mu.Unlock()
}
