package dist

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// watchBuffer is an io.Writer that tests can wait on for a text to
// appear.
type watchBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newWatchBuffer() *watchBuffer { return &watchBuffer{changed: make(chan struct{})} }

func (b *watchBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	close(b.changed)
	b.changed = make(chan struct{})
	return len(p), nil
}

func (b *watchBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until the buffer holds n occurrences of s, or fails the
// test after a minute.
func (b *watchBuffer) waitFor(t *testing.T, s string, n int) {
	t.Helper()
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		got := strings.Count(b.buf.String(), s)
		ch := b.changed
		b.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("waited a minute for %d× %q; output:\n%s", n, s, b.String())
		}
	}
}

// testCluster is a cluster whose local workers are this test binary
// running stubHost workers, and whose output goes to buffers.
type testCluster struct {
	*Cluster
	out, errs *watchBuffer
}

func newTestCluster(t *testing.T) *testCluster {
	t.Helper()
	tc := &testCluster{out: newWatchBuffer(), errs: newWatchBuffer()}
	tc.Cluster = &Cluster{
		Command: []string{os.Args[0]},
		Env:     []string{envTestWorker + "=1"},
		Stdout:  tc.out,
		Stderr:  tc.errs,
	}
	t.Cleanup(func() {
		if err := tc.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", tc.out, tc.errs)
		}
	})
	return tc
}

// addProcs starts n workers or fails the test.
func (tc *testCluster) addProcs(t *testing.T, n int) []int {
	t.Helper()
	ids, err := tc.AddProcs(context.Background(), n)
	if err != nil {
		t.Fatalf("AddProcs(%d): %v", n, err)
	}
	if len(ids) != n {
		t.Fatalf("AddProcs(%d) = %v", n, ids)
	}
	return ids
}

// pid returns the process id of worker id.
func (tc *testCluster) pid(t *testing.T, id int) int {
	t.Helper()
	for _, p := range tc.Procs() {
		if p.ID == id {
			return p.PID
		}
	}
	t.Fatalf("no worker %d in %v", id, tc.Procs())
	return 0
}

// ints returns []any{0, 1, …, n-1}.
func ints(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = i
	}
	return out
}
