package parlib

import (
	"context"
	"errors"
	"testing"
)

// Every long-running call stops when its context becomes done in the
// middle of the run (the countdown context turns done at its k-th check).
func TestCancellationStopsLongCalls(t *testing.T) {
	big := make([]float64, 1<<20)
	calls := []struct {
		name string
		f    func()
	}{
		{"SlowSeries", func() { SlowSeries(1<<50, 2) }},
		{"TrigSeries", func() { TrigSeries(1<<50, 3) }},
		{"Primes", func() { Primes(20_000_000, 2) }},
		{"PrimesChannel", func() { PrimesChannel(20_000_000) }},
		{"PrimesEager", func() { PrimesEager(20_000_000) }},
		{"PrimesLocked", func() { PrimesLocked(20_000_000, 2) }},
		{"PrimesAvoid", func() { PrimesAvoid(20_000_000, 2, 0) }},
		{"PrimesBlocks", func() { PrimesBlocks(20_000_000, 2, 0) }},
		{"CountPrimes", func() { CountPrimes(1e12, 2) }},
		{"SievePrimes", func() { SievePrimes(1e11, 2) }},
		{"For", func() { For(1<<50, func(int) {}) }},
		{"ForOpts", func() { ForOpts(1<<50, Options{Threads: 3, Schedule: Guided, Chunk: 100}, func(int) {}) }},
		{"ForChunksOpts", func() { ForChunksOpts(1<<50, Options{Schedule: Dynamic, Chunk: 1000}, func(int, int) {}) }},
		{"SumFloat64", func() { SumFloat64(1<<50, func(int) float64 { return 1 }, 2) }},
		{"MapReduceInt", func() { MapReduceInt(1<<50, func(int) int { return 1 }, func(a, b int) int { return a + b }, 2) }},
		{"SumChunks", func() { SumChunks(1<<50, Options{Chunk: 1000}, func(int, int) float64 { return 1 }) }},
		{"PmapN", func() { PmapN(1<<26, func(i int) any { return nil }) }},
		{"SumSqrt", func() { SumSqrt(big, 2) }},
		{"SqrtEach", func() { SqrtEach(big, big, 2) }},
		{"CholeskyMap", func() { CholeskyMap(1000, 50, 2) }},
		{"PsortFloat64", func() { PsortFloat64(make([]float64, 1<<20), 1000) }},
		{"Bench", func() { Bench(func() { SlowSeries(1000, 1) }) }},
		{"Scaling", func() { Scaling(func(int) {}, 1, 2, 4, 8, 16, 32) }},
	}
	for _, c := range calls {
		ctx := newCountdown(4)
		withContext(t, ctx)
		expectCanceled(t, c.name, c.f)
		if ctx.n.Load() < 4 {
			t.Errorf("%s: never checked its context", c.name)
		}
	}
}

func TestCanceledErrorWrapsCause(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("kernel interrupt")
	cancel(cause)
	_, err := SlowSeriesCtx(ctx, 1000, 2)
	if !errors.Is(err, ErrCanceled) || !errors.Is(err, cause) {
		t.Fatalf("got %v", err)
	}
	if _, err := TrigSeriesCtx(ctx, 10, 1); !errors.Is(err, ErrCanceled) {
		t.Fatalf("TrigSeriesCtx: %v", err)
	}
	if _, err := PrimesCtx(ctx, 10, 1); !errors.Is(err, ErrCanceled) {
		t.Fatalf("PrimesCtx: %v", err)
	}
	if _, err := CountPrimesCtx(ctx, 10, 1); !errors.Is(err, ErrCanceled) {
		t.Fatalf("CountPrimesCtx: %v", err)
	}
	if _, err := SumChunksCtx(ctx, 10, Options{}, func(int, int) float64 { return 0 }); !errors.Is(err, ErrCanceled) {
		t.Fatalf("SumChunksCtx: %v", err)
	}
	// a live context computes normally
	if s, err := SlowSeriesCtx(context.Background(), 10, 2); err != nil || s != SlowSeriesSerial(10) {
		t.Fatalf("%v %v", s, err)
	}
}

// A real cancellation from another goroutine while a kernel runs.
func TestSetContextCancelWhileRunning(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	withContext(t, ctx)
	started := make(chan struct{})
	SetProgress(func(string, int, int) {
		select {
		case <-started:
		default:
			close(started)
		}
	})
	t.Cleanup(func() { SetProgress(nil) })
	go func() { <-started; cancel() }()
	expectCanceled(t, "Scaling(SlowSeries)", func() {
		Scaling(func(th int) { SlowSeries(1<<40, th) }, 1, 2)
	})
	if Context() != ctx {
		t.Fatal("Context() is not the context set")
	}
}
