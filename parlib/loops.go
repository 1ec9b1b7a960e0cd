package parlib

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// Schedule says how a threaded loop hands its iterations to threads, as in
// OpenMP's schedule clause and Julia's @threads :static / :dynamic.
type Schedule int

const (
	// Static splits the range into one equal block per thread (like
	// @threads :static); with Options.Chunk > 0 it deals chunks of that
	// size round-robin instead (OpenMP schedule(static, chunk)).
	Static Schedule = iota
	// Dynamic lets each thread take the next chunk from a shared atomic
	// counter when it is done with the last one. Default chunk:
	// ceil(n / (8 * threads)).
	Dynamic
	// Guided is Dynamic with chunks that shrink as the work runs out:
	// remaining / (2 * threads), but never below Options.Chunk (default 1).
	Guided
)

// String returns "static", "dynamic" or "guided".
func (s Schedule) String() string {
	switch s {
	case Static:
		return "static"
	case Dynamic:
		return "dynamic"
	case Guided:
		return "guided"
	}
	return fmt.Sprintf("Schedule(%d)", int(s))
}

// Options tune a threaded loop or map. The zero value is a static schedule
// on DefaultThreads() threads.
type Options struct {
	// Threads is the number of threads; <= 0 means DefaultThreads().
	Threads int
	// Schedule is Static (the zero value), Dynamic or Guided.
	Schedule Schedule
	// Chunk is the chunk size (see Schedule); 0 means the schedule's
	// default.
	Chunk int
}

// For runs body(i) for every i in [0, n) on DefaultThreads() threads with a
// static schedule, like Julia's @threads for or OpenMP's parallel for. It
// returns when all iterations are done. A panic in body is re-raised in the
// caller as a *PanicError.
func For(n int, body func(i int)) {
	checkN("For", "n", n)
	checkFunc("For", "body", body == nil)
	raise(loopSplit(Context(), "For", 0, n, Options{}, perIndex(body), indexSplit))
}

// ForOpts is For with a schedule, chunk size and thread count.
func ForOpts(n int, opts Options, body func(i int)) {
	checkN("ForOpts", "n", n)
	checkFunc("ForOpts", "body", body == nil)
	raise(loopSplit(Context(), "ForOpts", 0, n, opts, perIndex(body), indexSplit))
}

// ForChunks runs body(lo, hi) over chunks that together cover [0, n) once,
// on DefaultThreads() threads with a static schedule: body is called once
// per thread, which is the cheap way to drive an interpreted loop body.
func ForChunks(n int, body func(lo, hi int)) {
	checkN("ForChunks", "n", n)
	checkFunc("ForChunks", "body", body == nil)
	raise(loop(Context(), "ForChunks", 0, n, Options{}, body))
}

// ForChunksOpts is ForChunks with a schedule, chunk size and thread count.
func ForChunksOpts(n int, opts Options, body func(lo, hi int)) {
	checkN("ForChunksOpts", "n", n)
	checkFunc("ForChunksOpts", "body", body == nil)
	raise(loop(Context(), "ForChunksOpts", 0, n, opts, body))
}

// ForRange runs body(i) for every i in [lo, hi) (empty if hi <= lo).
func ForRange(lo, hi int, opts Options, body func(i int)) {
	checkFunc("ForRange", "body", body == nil)
	raise(loopSplit(Context(), "ForRange", lo, hi, opts, perIndex(body), indexSplit))
}

// ForCtx is the context-taking, error-returning form of ForChunksOpts over
// [lo, hi): it stops at the next chunk once ctx is done and returns an error
// wrapping ErrCanceled, and returns a panic in body as a *PanicError.
func ForCtx(ctx context.Context, lo, hi int, opts Options, body func(lo, hi int)) error {
	checkFunc("ForCtx", "body", body == nil)
	if ctx == nil {
		ctx = context.Background()
	}
	return loop(ctx, "ForCtx", lo, hi, opts, body)
}

func perIndex(body func(i int)) func(lo, hi int) {
	if body == nil {
		return nil
	}
	return func(lo, hi int) {
		for i := lo; i < hi; i++ {
			body(i)
		}
	}
}

// runState is shared by the workers of one parallel call: the first error
// wins and stops everybody at their next chunk.
type runState struct {
	ctx  context.Context
	stop atomic.Bool
	mu   sync.Mutex
	err  error
}

func newRunState(ctx context.Context) *runState { return &runState{ctx: ctx} }

func (s *runState) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	s.stop.Store(true)
}

// stopped reports whether workers should stop (an error, or ctx done).
func (s *runState) stopped() bool {
	if s.stop.Load() {
		return true
	}
	if err := cancelErr(s.ctx); err != nil {
		s.fail(err)
		return true
	}
	return false
}

// run starts workers goroutines running body(w) and waits for all of them.
func (s *runState) run(workers int, body func(w int)) error {
	if err := cancelErr(s.ctx); err != nil {
		return err
	}
	if workers <= 1 {
		if err := catch(func() { body(0) }); err != nil {
			s.fail(err)
		}
		return s.err
	}
	var wg sync.WaitGroup
	wg.Add(workers)
	for w := range workers {
		go func() {
			defer wg.Done()
			if err := catch(func() { body(w) }); err != nil {
				s.fail(err)
			}
		}()
	}
	wg.Wait()
	return s.err
}

// parallel runs body(w) on workers goroutines; cancellation is observed by
// body through s.stopped().
func parallel(ctx context.Context, workers int, body func(s *runState, w int)) error {
	s := newRunState(ctx)
	return s.run(workers, func(w int) { body(s, w) })
}

// indexSplit is how many indexes a per-index loop runs between two checks
// for cancellation when its schedule hands it one big block.
const indexSplit = 1 << 12

// loop is the scheduler behind every threaded loop.
func loop(ctx context.Context, fn string, lo, hi int, opts Options, body func(lo, hi int)) error {
	return loopSplit(ctx, fn, lo, hi, opts, body, 0)
}

// loopSplit is loop; with split > 0 the chunks of any schedule are passed
// to body in pieces of at most split indexes, checking for cancellation
// between pieces.
func loopSplit(ctx context.Context, fn string, lo, hi int, opts Options, body func(lo, hi int), split int) error {
	threads := checkThreads(fn, opts.Threads)
	if opts.Chunk < 0 {
		panic(fmt.Sprintf("parlib.%s: Chunk = %d must be >= 0", fn, opts.Chunk))
	}
	n := hi - lo
	if n <= 0 {
		return cancelErr(ctx)
	}
	s := newRunState(ctx)
	if split > 0 {
		whole := body
		body = func(a, b int) {
			for ; a < b && !s.stopped(); a += split {
				whole(a, min(a+split, b))
			}
		}
	}
	switch opts.Schedule {
	case Static:
		if opts.Chunk == 0 {
			workers := min(threads, n)
			return s.run(workers, func(w int) {
				a, b := lo+int(int64(n)*int64(w)/int64(workers)), lo+int(int64(n)*int64(w+1)/int64(workers))
				if !s.stopped() {
					body(a, b)
				}
			})
		}
		chunk := opts.Chunk
		nc := (n + chunk - 1) / chunk
		workers := min(threads, nc)
		return s.run(workers, func(w int) {
			for c := w; c < nc && !s.stopped(); c += workers {
				a := lo + c*chunk
				body(a, min(a+chunk, hi))
			}
		})
	case Dynamic:
		chunk := opts.Chunk
		if chunk == 0 {
			chunk = max(1, (n+8*threads-1)/(8*threads))
		}
		nc := (n + chunk - 1) / chunk
		var next atomic.Int64
		return s.run(min(threads, nc), func(int) {
			for !s.stopped() {
				c := int(next.Add(1) - 1)
				if c >= nc {
					return
				}
				a := lo + c*chunk
				body(a, min(a+chunk, hi))
			}
		})
	case Guided:
		minChunk := max(1, opts.Chunk)
		var next atomic.Int64
		return s.run(min(threads, (n+minChunk-1)/minChunk), func(int) {
			for !s.stopped() {
				a := next.Load()
				rem := int64(n) - a
				if rem <= 0 {
					return
				}
				size := max(int64(minChunk), rem/int64(2*threads))
				size = min(size, rem)
				if !next.CompareAndSwap(a, a+size) {
					continue
				}
				body(lo+int(a), lo+int(a+size))
			}
		})
	}
	panic(fmt.Sprintf("parlib.%s: unknown schedule %d", fn, int(opts.Schedule)))
}

// dynamicChunks runs body(c) for c in [0, nc) on threads workers, handing
// out chunk indexes from an atomic counter and checking for cancellation
// before each one. It is the engine of the numeric kernels.
func dynamicChunks(ctx context.Context, threads, nc int, body func(c int)) error {
	if nc == 0 {
		return cancelErr(ctx)
	}
	var next atomic.Int64
	return parallel(ctx, min(threads, nc), func(s *runState, _ int) {
		for !s.stopped() {
			c := int(next.Add(1) - 1)
			if c >= nc {
				return
			}
			body(c)
		}
	})
}

// blocks runs body(w, lo, hi) on workers goroutines, worker w taking the
// w-th of workers equal blocks of [0, n) in pieces of indexSplit indexes,
// checking for cancellation between pieces.
func blocks(ctx context.Context, n, workers int, body func(w, lo, hi int)) error {
	return parallel(ctx, workers, func(s *runState, w int) {
		lo, hi := int(int64(n)*int64(w)/int64(workers)), int(int64(n)*int64(w+1)/int64(workers))
		for ; lo < hi && !s.stopped(); lo += indexSplit {
			body(w, lo, min(lo+indexSplit, hi))
		}
	})
}
