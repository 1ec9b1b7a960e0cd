package parlib

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestForVisitsEveryIndexOnce(t *testing.T) {
	scheds := []Schedule{Static, Dynamic, Guided}
	large := 100003
	if raceEnabled {
		large = 20011
	}
	for _, n := range []int{0, 1, 7, 1000, large} {
		for _, th := range threadCounts {
			for _, sc := range scheds {
				for _, chunk := range []int{0, 1, 13} {
					hits := make([]atomic.Int32, n)
					ForOpts(n, Options{Threads: th, Schedule: sc, Chunk: chunk}, func(i int) { hits[i].Add(1) })
					for i := range hits {
						if h := hits[i].Load(); h != 1 {
							t.Fatalf("n=%d threads=%d %v chunk=%d: index %d visited %d times", n, th, sc, chunk, i, h)
						}
					}
					var sum atomic.Int64
					ForChunksOpts(n, Options{Threads: th, Schedule: sc, Chunk: chunk}, func(lo, hi int) {
						if lo >= hi || lo < 0 || hi > n {
							t.Errorf("bad chunk [%d,%d) of %d", lo, hi, n)
						}
						s := int64(0)
						for i := lo; i < hi; i++ {
							s += int64(i)
						}
						sum.Add(s)
					})
					if want := int64(n) * int64(n-1) / 2; sum.Load() != want {
						t.Fatalf("n=%d threads=%d %v chunk=%d: sum %d, want %d", n, th, sc, chunk, sum.Load(), want)
					}
				}
			}
		}
	}
}

func TestForStaticIsOneBlockPerThread(t *testing.T) {
	var calls atomic.Int32
	ForChunksOpts(1000, Options{Threads: 4}, func(lo, hi int) {
		calls.Add(1)
		if hi-lo != 250 {
			t.Errorf("block [%d,%d) is not a quarter", lo, hi)
		}
	})
	if calls.Load() != 4 {
		t.Fatalf("%d calls, want 4", calls.Load())
	}
}

func TestForDefaults(t *testing.T) {
	hits := make([]atomic.Int32, 500)
	For(500, func(i int) { hits[i].Add(1) })
	ForChunks(500, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			hits[i].Add(1)
		}
	})
	ForRange(100, 500, Options{Schedule: Dynamic}, func(i int) { hits[i].Add(1) })
	for i := range hits {
		want := int32(2)
		if i >= 100 {
			want = 3
		}
		if hits[i].Load() != want {
			t.Fatalf("index %d: %d hits, want %d", i, hits[i].Load(), want)
		}
	}
}

func TestForPanicComesBackAsError(t *testing.T) {
	for _, th := range threadCounts {
		v := mustPanic(t, func() {
			ForOpts(100, Options{Threads: th, Schedule: Dynamic}, func(i int) {
				if i == 37 {
					panic("boom at 37")
				}
			})
		})
		pe, ok := v.(*PanicError)
		if !ok || pe.Value != "boom at 37" || pe.Stack == "" {
			t.Fatalf("threads=%d: got %#v, want *PanicError with value and stack", th, v)
		}
	}
	err := ForCtx(context.Background(), 0, 10, Options{Threads: 2}, func(lo, hi int) { panic(errors.New("inner")) })
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Error() == "" || errors.Unwrap(err).Error() != "inner" {
		t.Fatalf("ForCtx: got %v", err)
	}
}

func TestForBadArguments(t *testing.T) {
	mustPanicWith(t, "parlib.For: n = -1 must be >= 0", func() { For(-1, func(int) {}) })
	mustPanicWith(t, "parlib.For: body must not be nil", func() { For(1, nil) })
	mustPanicWith(t, "threads = 5000 must be <= 4096", func() { ForOpts(1, Options{Threads: 5000}, func(int) {}) })
	mustPanicWith(t, "Chunk = -2 must be >= 0", func() { ForOpts(1, Options{Chunk: -2}, func(int) {}) })
	mustPanicWith(t, "unknown schedule", func() { ForOpts(1, Options{Schedule: 9}, func(int) {}) })
	if s := Schedule(9).String(); s != "Schedule(9)" || Guided.String() != "guided" {
		t.Fatalf("Schedule.String: %q", s)
	}
}

func TestForCtxCancelStopsBetweenChunks(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	started := make(chan struct{})
	var chunks atomic.Int64
	done := make(chan error)
	go func() {
		done <- ForCtx(ctx, 0, 1<<40, Options{Threads: 2, Schedule: Dynamic, Chunk: 1000}, func(lo, hi int) {
			if chunks.Add(1) == 1 {
				close(started)
			}
		})
	}()
	<-started
	cause := errors.New("cell interrupted")
	cancel(cause)
	err := <-done
	if !errors.Is(err, ErrCanceled) || !errors.Is(err, cause) {
		t.Fatalf("got %v, want ErrCanceled wrapping the cause", err)
	}
}

func TestDefaultThreads(t *testing.T) {
	old := DefaultThreads()
	t.Cleanup(func() { SetDefaultThreads(old) })
	SetDefaultThreads(3)
	if DefaultThreads() != 3 {
		t.Fatalf("DefaultThreads = %d", DefaultThreads())
	}
	var calls atomic.Int32
	ForChunks(300, func(lo, hi int) { calls.Add(1) })
	if calls.Load() != 3 {
		t.Fatalf("ForChunks used %d threads, want the default 3", calls.Load())
	}
	SetDefaultThreads(0)
	if DefaultThreads() < 1 {
		t.Fatal("SetDefaultThreads(0) did not restore GOMAXPROCS")
	}
	mustPanicWith(t, "n = 10000 must be <= 4096", func() { SetDefaultThreads(10000) })
}
