package password

import "testing"

func TestHashVerify(t *testing.T) {
	h, err := HashWith(Cheap, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := Verify(h, "correct horse"); !ok || err != nil {
		t.Fatalf("verify own hash: %v %v", ok, err)
	}
	if ok, _ := Verify(h, "correct horsE"); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashWith(Cheap, "correct horse")
	if h == h2 {
		t.Fatal("salt not random")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAA", "$bcrypt$x$y$z$w", "$argon2id$v=19$m=64,t=1,p=1$!!$AAAA"} {
		if ok, err := Verify(bad, "x"); ok || err == nil {
			t.Errorf("%q: want malformed, got %v %v", bad, ok, err)
		}
	}
}

func TestDefaultParamsWork(t *testing.T) {
	h, err := Hash("s3cret-pass")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := Verify(h, "s3cret-pass"); !ok {
		t.Fatal("default params round trip failed")
	}
}
