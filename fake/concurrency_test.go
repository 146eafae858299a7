package fake

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Sixty-four goroutines send 10,240 share requests, valid and invalid mixed
// (malformed body, unknown child, organisation key, unknown key, unknown
// parent, idempotent duplicates), in process and under -race. Afterwards the
// list holds exactly the copies whose ids were answered with 200: none lost,
// none extra, replays counted once.
func TestConcurrentSharesListExactlyTheSuccesses(t *testing.T) {
	const workers, perWorker = 64, 160
	s := strictServer(t, WithRequestLogSize(100))
	var (
		mu       sync.Mutex
		okIDs    = map[string]bool{}
		statuses = map[int]int{}
	)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				n := w*perWorker + i
				var r result
				switch n % 8 {
				case 0: // malformed body: 422 from validation
					r = call(t, s, "POST", sharePath(tParent), `{"child_organization_id":`, bearer(partnerKey)...)
				case 1: // unknown child organisation: 422 from the handler
					r = call(t, s, "POST", sharePath(tParent), shareBody(uuid.NewString()), bearer(partnerKey)...)
				case 2: // organisation key: 403
					r = call(t, s, "POST", sharePath(tParent), shareBody(orgC.String()), bearer(orgBKey)...)
				case 3: // unknown key: 401
					r = call(t, s, "POST", sharePath(tParent), shareBody(orgC.String()), bearer("stranger")...)
				case 4: // unknown parent: 404
					r = call(t, s, "POST", sharePath(uuid.NewString()), shareBody(orgC.String()), bearer(partnerKey)...)
				case 5: // idempotent: workers 2k and 2k+1 send the same keys at about the same time: 200 twice (one a replay) or 200 and 409
					key := fmt.Sprintf("load-key-%03d-%03d", w/2, i)
					r = call(t, s, "POST", sharePath(tParent), shareBody(orgB.String()), withKey(bearer(partnerKey), key)...)
				default: // valid
					r = call(t, s, "POST", sharePath(tParent), shareBody(orgC.String()), basic(deployKey)...)
				}
				mu.Lock()
				statuses[r.status]++
				if r.status == 200 {
					okIDs[r.dataID()] = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	total := 0
	for code, n := range statuses {
		total += n
		if code >= 500 || !slices.Contains([]int{200, 401, 403, 404, 409, 422}, code) {
			t.Errorf("%d answers with status %d", n, code)
		}
	}
	if total != workers*perWorker || total < 10_000 {
		t.Fatalf("%d answers, want %d", total, workers*perWorker)
	}
	for _, code := range []int{401, 403, 404, 422} {
		if statuses[code] == 0 {
			t.Errorf("no %d answers: the mix did not exercise it", code)
		}
	}
	list := call(t, s, "GET", sharedPath(tParent), "", bearer(partnerKey)...).list()
	listed := map[string]bool{}
	for _, c := range list {
		listed[c["id"].(string)] = true
	}
	if len(list) != len(okIDs) || len(listed) != len(list) {
		t.Fatalf("list has %d copies (%d distinct), %d distinct ids were answered with 200", len(list), len(listed), len(okIDs))
	}
	for id := range okIDs {
		if !listed[id] {
			t.Fatalf("share %s got 200 but is not listed", id)
		}
	}
	if got := len(s.Requests()); got != 100 {
		t.Errorf("request log holds %d entries after %d requests, want its bound 100", got, total)
	}
	t.Logf("%d requests (%v) from %d goroutines in %v; %d copies listed", total, statuses, workers, elapsed.Round(time.Millisecond), len(list))
}
