package wire_test

import (
	"reflect"
	"testing"

	"github.com/lintel-dev/lintel/internal/controller/wire"
)

// Folding changes with Merge and one Apply gives the snapshot that applying
// them one by one gives.
func TestMergeFoldsChangesLikeApplyingThemInOrder(t *testing.T) {
	person := func(id int64, enabled bool, cards ...string) wire.PersonState {
		p := wire.PersonState{Person: wire.Person{ID: id, FirstName: "P", Enabled: enabled}}
		for _, c := range cards {
			p.Credentials = append(p.Credentials, wire.Credential{PersonID: id, CredentialTypeID: 1, Value: c})
		}
		return p
	}
	base := &wire.Snapshot{Seq: 10, Channels: []wire.Channel{{ID: 3, Mode: "normal"}, {ID: 4, Mode: "normal"}}}
	for _, p := range []wire.PersonState{person(1, true, "111"), person(2, true, "222"), person(3, true, "333")} {
		base.People = append(base.People, p.Person)
		base.Credentials = append(base.Credentials, p.Credentials...)
	}
	changes := []*wire.Changes{
		{Seq: 11, People: []wire.PersonState{person(1, false, "111")}},
		{Seq: 12, People: []wire.PersonState{person(4, true, "222")}, Channels: []wire.Channel{{ID: 3, Mode: "unlock"}}},
		{Seq: 13, RemovedPeople: []int64{3}, People: []wire.PersonState{person(1, true, "999")}},
		{Seq: 14, People: []wire.PersonState{person(5, true)}, Channels: []wire.Channel{{ID: 3, Mode: "normal", CardLockdown: true}}},
		{Seq: 15, RemovedPeople: []int64{5}},
	}
	oneByOne := base
	for _, c := range changes {
		oneByOne = oneByOne.Apply(c)
	}
	folded := base.Apply(wire.Merge(changes))
	if !reflect.DeepEqual(oneByOne, folded) {
		t.Fatalf("one by one:\n%+v\nfolded:\n%+v", oneByOne, folded)
	}
	if folded.Seq != 15 || len(folded.People) != 3 || len(folded.Credentials) != 2 || !folded.Channels[0].CardLockdown {
		t.Fatalf("folded: %+v", folded)
	}
	for _, c := range folded.Credentials {
		if c.Value == "222" && c.PersonID != 4 {
			t.Fatalf("card 222 stayed with person %d after moving to person 4", c.PersonID)
		}
	}
	if m := wire.Merge(nil); m.Seq != 0 || len(m.People) != 0 {
		t.Fatalf("merge of nothing: %+v", m)
	}
}
