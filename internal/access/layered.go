package access

// layered is an immutable map made of a shared base and a small overlay of
// changes (a slot with ok false deletes the key). Readers look in the
// overlay first. with returns a new layered map and never touches the old
// one, so snapshots built from each other share the base.
type layered[K comparable, V any] struct {
	base map[K]V
	over map[K]slot[V]
}

type slot[V any] struct {
	v  V
	ok bool
}

// get returns the value for k and whether it is present.
func (l *layered[K, V]) get(k K) (V, bool) {
	if len(l.over) > 0 {
		if s, found := l.over[k]; found {
			return s.v, s.ok
		}
	}
	v, ok := l.base[k]
	return v, ok
}

// size is the number of present keys (exact: overlay entries are counted
// against the base).
func (l *layered[K, V]) size() int {
	n := len(l.base)
	for k, s := range l.over {
		_, inBase := l.base[k]
		switch {
		case s.ok && !inBase:
			n++
		case !s.ok && inBase:
			n--
		}
	}
	return n
}

// with returns a copy of l with dels removed, then puts set. The overlay is
// copied (it is small); once it would exceed an eighth of the base (and a
// floor of 1024 keys) everything is merged into a fresh base.
func (l *layered[K, V]) with(dels []K, puts map[K]V) layered[K, V] {
	over := make(map[K]slot[V], len(l.over)+len(dels)+len(puts))
	for k, s := range l.over {
		over[k] = s
	}
	for _, k := range dels {
		over[k] = slot[V]{}
	}
	for k, v := range puts {
		over[k] = slot[V]{v: v, ok: true}
	}
	if len(over) <= 1024 || len(over) <= len(l.base)/8 {
		return layered[K, V]{base: l.base, over: over}
	}
	base := make(map[K]V, len(l.base)+len(puts))
	for k, v := range l.base {
		base[k] = v
	}
	for k, s := range over {
		if s.ok {
			base[k] = s.v
		} else {
			delete(base, k)
		}
	}
	return layered[K, V]{base: base}
}
