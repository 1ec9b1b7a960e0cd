package parlib

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var threadCounts = []int{1, 2, 3, 8, 64}

// big reports whether the slow, large-size checks run (not with -short,
// not under -race).
func big() bool { return !testing.Short() && !raceEnabled }

// mustPanic runs f and returns the recovered value, failing if f returns.
func mustPanic(t *testing.T, f func()) (v any) {
	t.Helper()
	defer func() { v = recover() }()
	f()
	t.Fatalf("no panic")
	return nil
}

// mustPanicWith checks that f panics with a message containing want.
func mustPanicWith(t *testing.T, want string, f func()) {
	t.Helper()
	v := mustPanic(t, f)
	if !strings.Contains(fmt.Sprint(v), want) {
		t.Fatalf("panic %q does not contain %q", fmt.Sprint(v), want)
	}
}

// countdownCtx is a context that becomes done at the k-th call of Done():
// a deterministic way to cancel a call in the middle of its chunks.
type countdownCtx struct {
	context.Context
	k    int64
	n    atomic.Int64
	ch   chan struct{}
	once sync.Once
}

func newCountdown(k int64) *countdownCtx {
	return &countdownCtx{Context: context.Background(), k: k, ch: make(chan struct{})}
}

func (c *countdownCtx) Done() <-chan struct{} {
	if c.n.Add(1) >= c.k {
		c.once.Do(func() { close(c.ch) })
	}
	return c.ch
}

func (c *countdownCtx) Err() error {
	select {
	case <-c.ch:
		return context.Canceled
	default:
		return nil
	}
}

// withContext sets ctx for the duration of the test.
func withContext(t *testing.T, ctx context.Context) {
	SetContext(ctx)
	t.Cleanup(func() { SetContext(nil) })
}

// expectCanceled runs f in a goroutine and checks that it panics with an
// error wrapping ErrCanceled, failing after a generous guard if it never
// returns.
func expectCanceled(t *testing.T, name string, f func()) {
	t.Helper()
	res := make(chan any, 1)
	go func() {
		defer func() { res <- recover() }()
		f()
	}()
	select {
	case v := <-res:
		err, ok := v.(error)
		if !ok || !errors.Is(err, ErrCanceled) {
			t.Errorf("%s: got %v (%T), want a panic wrapping ErrCanceled", name, v, v)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: still running 20 s after cancellation", name)
	}
}
