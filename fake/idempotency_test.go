package fake

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
)

func withKey(headers []string, key string) []string {
	return append(slices.Clone(headers), "Idempotency-Key", key)
}

// A replay is the first answer byte for byte (status, body, headers), and
// does not share twice.
func TestIdempotentReplay(t *testing.T) {
	s := newServer(t)
	h := withKey(bearer("k1"), "6f1c2b7e-3d4a-4c5b-9e8f-0a1b2c3d4e5f")
	first := call(t, s, "POST", sharePath(tParent), shareBody(tChild), h...)
	// The same request, spelled differently: JSON formatting does not matter.
	again := call(t, s, "POST", sharePath(tParent), "{ \"child_organization_id\" : \""+tChild+"\" }", h...)
	if first.status != 200 || again.status != 200 || again.body != first.body {
		t.Fatalf("first %d %s, replay %d %s: want the same 200 body", first.status, first.body, again.status, again.body)
	}
	for _, k := range []string{"Content-Type", "X-Polytomic-Version"} {
		if again.header.Get(k) != first.header.Get(k) {
			t.Errorf("replayed %s = %q, first %q", k, again.header.Get(k), first.header.Get(k))
		}
	}
	if first.header.Get("Idempotent-Replayed") != "" || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("Idempotent-Replayed: first %q, replay %q", first.header.Get("Idempotent-Replayed"), again.header.Get("Idempotent-Replayed"))
	}
	if l := call(t, s, "GET", sharedPath(tParent), "", bearer("k1")...).list(); len(l) != 1 {
		t.Fatalf("%d shared copies after a replay, want 1", len(l))
	}
	// Without a key, the same request shares again.
	if r := call(t, s, "POST", sharePath(tParent), shareBody(tChild), bearer("k1")...); r.status != 200 || r.dataID() == first.dataID() {
		t.Fatalf("keyless share = %d %s", r.status, r.body)
	}
}

// Errors decided by the handler are replayed too; errors found before it
// (credentials, malformed requests) fix nothing, so a corrected retry runs.
func TestIdempotentErrors(t *testing.T) {
	s := strictServer(t)
	h := withKey(bearer(partnerKey), "key-for-an-error")
	first := call(t, s, "POST", sharePath(tParent), shareBody(orgA.String()), h...) // own organisation: 422
	again := call(t, s, "POST", sharePath(tParent), shareBody(orgA.String()), h...)
	if first.status != 422 || again.status != 422 || again.body != first.body || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("error replay: first %d %s, again %d %s %v", first.status, first.body, again.status, again.body, again.header)
	}

	h2 := withKey(bearer(partnerKey), "key-after-a-bad-body")
	if r := call(t, s, "POST", sharePath(tParent), `{"name":"no child"}`, h2...); r.status != 422 {
		t.Fatalf("malformed: %d", r.status)
	}
	if r := call(t, s, "POST", sharePath(tParent), shareBody(orgC.String()), h2...); r.status != 200 || r.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("corrected retry with the same key: %d %s, want a fresh 200", r.status, r.body)
	}
	h3 := withKey(bearer("stranger"), "key-after-a-401")
	if r := call(t, s, "POST", sharePath(tParent), shareBody(orgC.String()), h3...); r.status != 401 {
		t.Fatalf("unknown key: %d", r.status)
	}
	if r := call(t, s, "POST", sharePath(tParent), shareBody(orgC.String()), withKey(bearer(partnerKey), "key-after-a-401")...); r.status != 200 {
		t.Fatalf("after a 401 the key is free: %d %s", r.status, r.body)
	}
}

func TestIdempotencyKeyReusedWithAnotherBody(t *testing.T) {
	s := newServer(t)
	h := withKey(bearer("k1"), "reused-key-1234")
	if r := call(t, s, "POST", sharePath(tParent), shareBody(tChild), h...); r.status != 200 {
		t.Fatal(r.body)
	}
	for name, body := range map[string]string{
		"another child": shareBody("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"),
		"a name added":  `{"child_organization_id":"` + tChild + `","name":"x"}`,
	} {
		r := call(t, s, "POST", sharePath(tParent), body, h...)
		if r.status != 422 || r.json["key"] != "idempotency_key_reused" || r.meta()["field"] != "Idempotency-Key" {
			t.Errorf("%s: %d %s, want 422 idempotency_key_reused", name, r.status, r.body)
		}
	}
	if r := call(t, s, "POST", sharePath("7d1e4c2a-9b3f-4a5e-8c6d-0f1e2d3c4b5a"), shareBody(tChild), h...); r.status != 422 {
		t.Errorf("another parent with the same key: %d, want 422", r.status)
	}
	if l := call(t, s, "GET", sharedPath(tParent), "", bearer("k1")...).list(); len(l) != 1 {
		t.Errorf("%d copies, want 1", len(l))
	}
	// Keys are per credential: another caller's identical key is its own.
	if r := call(t, s, "POST", sharePath(tParent), shareBody("5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"), withKey(bearer("k2"), "reused-key-1234")...); r.status != 200 || r.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("same key, other credential: %d %s, want a fresh 200", r.status, r.body)
	}
	// The spec's form for keys: 8 to 255 of [A-Za-z0-9_-].
	for _, bad := range []string{"short", "has space in it", "semi;colon-key"} {
		if r := call(t, s, "POST", sharePath(tParent), shareBody(tChild), withKey(bearer("k1"), bad)...); r.status != 422 || r.meta()["field"] != "Idempotency-Key" {
			t.Errorf("key %q: %d %s, want 422 naming Idempotency-Key", bad, r.status, r.body)
		}
	}
}

// A request whose key is still being handled gets 409; once the first
// finishes, the key replays its answer.
func TestIdempotencyKeyInFlight(t *testing.T) {
	s := newServer(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var once bool
	s.beforeShare = func() {
		if !once { // only the first request stops; the test goroutine alone runs later ones
			once = true
			close(entered)
			<-release
		}
	}
	h := withKey(bearer("k1"), "in-flight-key-1")
	firstc := make(chan result, 1)
	go func() { firstc <- call(t, s, "POST", sharePath(tParent), shareBody(tChild), h...) }()
	<-entered
	second := call(t, s, "POST", sharePath(tParent), shareBody(tChild), h...)
	if second.status != http.StatusConflict || second.json["key"] != "idempotency_key_in_use" || second.json["status"] != 409.0 {
		t.Errorf("second while first in flight: %d %s, want 409", second.status, second.body)
	}
	if second.header.Get("X-Polytomic-Version") != tVersion {
		t.Errorf("409 version header = %q", second.header.Get("X-Polytomic-Version"))
	}
	close(release)
	first := <-firstc
	third := call(t, s, "POST", sharePath(tParent), shareBody(tChild), h...)
	if first.status != 200 || third.body != first.body {
		t.Fatalf("first %d %s, third %d %s", first.status, first.body, third.status, third.body)
	}
}

// The store forgets the oldest finished keys beyond its bound.
func TestIdempotencyStoreBound(t *testing.T) {
	var st idempotencyStore
	rr := &recordedResponse{status: 200}
	for i := range maxIdempotencyKeys + 10 {
		k := strconv.Itoa(i)
		if state, _ := st.begin(k, shareRequest{}); state != idemNew {
			t.Fatalf("key %d: state %d", i, state)
		}
		st.finish(k, rr)
	}
	if n := len(st.entries); n != maxIdempotencyKeys {
		t.Fatalf("%d keys kept, want %d", n, maxIdempotencyKeys)
	}
}
