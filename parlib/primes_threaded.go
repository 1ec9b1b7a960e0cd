package parlib

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
)

// The threaded prime searches of the "Thread Parallelism in Julia" post,
// kept close to the post's structure so that a notebook can time them
// against PrimesEager and Primes. Where the post's code was wrong, the fix
// is the smallest one and is named in the doc comment:
//
//   - The post notes a flaw of its own: a thread waiting for the i-th prime
//     may read a larger prime that arrived early and wrongly call x prime.
//     Here a thread only trusts a known prime p once every thread works on
//     numbers above p (the fix the post sketches: "an index is stable if
//     every thread is now checking a number greater than the prime at that
//     index"). Without it the searches really do go wrong under load.
//   - primes_avoid and primes_blockmore restarted at blocksize+1 after the
//     first blocksize primes (re-finding, and duplicating, the primes in
//     between) and checked both ends of x_start:x_end (so every block
//     boundary twice); here the search starts after the last pre-known
//     prime and blocks are half-open.
//
// All return exactly the first n primes (the post returned the whole list,
// a few more than n).

type slot struct {
	x atomic.Int64
	_ [56]byte
}

// sharedPrimes is the shared state of primes_threaded and primes_avoid.
type sharedPrimes struct {
	pre     []int // lock-free prefix (primes_avoid)
	mu      sync.Mutex
	cond    *sync.Cond
	known   []int
	slots   []slot // lower bound of the number each worker is checking
	waiters atomic.Int64
	stop    atomic.Bool
}

func (s *sharedPrimes) safeLength() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.known)
}

func (s *sharedPrimes) minSlot() int {
	m := int64(math.MaxInt64)
	for i := range s.slots {
		m = min(m, s.slots[i].x.Load())
	}
	return int(m)
}

// ithPrime returns the ii-th prime (1-based), waiting until it is known and
// stable. stable caches this worker's last view of minSlot.
func (s *sharedPrimes) ithPrime(ii int, stable *int) (int, bool) {
	if ii <= len(s.pre) {
		return s.pre[ii-1], true
	}
	ii -= len(s.pre)
	// The post's fast path: read the length under the lock, then the
	// element under the lock again.
	if s.safeLength() >= ii {
		s.mu.Lock()
		p := s.known[ii-1]
		s.mu.Unlock()
		if p < *stable {
			return p, true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.stop.Load() {
			return 0, false
		}
		s.waiters.Add(1) // before reading the slots (see advance)
		if len(s.known) >= ii {
			p := s.known[ii-1]
			*stable = s.minSlot()
			if p < *stable {
				s.waiters.Add(-1)
				return p, true
			}
		}
		s.cond.Wait()
		s.waiters.Add(-1)
	}
}

// halt stops every worker, waking those that wait.
func (s *sharedPrimes) halt() {
	s.stop.Store(true)
	s.mu.Lock()
	s.cond.Broadcast()
	s.mu.Unlock()
}

// addPrime is the post's add_prime!: push_sorted! under the lock, then
// notify everyone.
func (s *sharedPrimes) addPrime(x int) {
	s.mu.Lock()
	s.known = pushSorted(s.known, x)
	s.mu.Unlock()
	s.cond.Broadcast()
}

// advance publishes that worker w now checks numbers >= x, and wakes the
// threads waiting for a prime to become stable.
func (s *sharedPrimes) advance(w, x int) {
	s.slots[w].x.Store(int64(x))
	if s.waiters.Load() > 0 {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	}
}

// check tests x against the known primes as the post's inner loop does.
func (s *sharedPrimes) check(x int, stable *int) bool {
	sq := math.Sqrt(float64(x))
	for ii := 1; ; ii++ {
		p, ok := s.ithPrime(ii, stable)
		if !ok {
			return false
		}
		if float64(p) > sq {
			s.addPrime(x)
			return true
		}
		if x%p == 0 {
			return true
		}
	}
}

// pushSorted is the post's push_sorted!: insert y after the last element
// smaller than it, searching from the end (the list is almost sorted).
func pushSorted(xs []int, y int) []int {
	for i := len(xs) - 1; i >= 0; i-- {
		if xs[i] < y {
			xs = append(xs, 0)
			copy(xs[i+2:], xs[i+1:])
			xs[i+1] = y
			return xs
		}
	}
	xs = append(xs, 0)
	copy(xs[1:], xs)
	xs[0] = y
	return xs
}

// run drives the workers: each takes block numbers at a time from the
// atomic next_check and checks them, until the list holds n primes.
func (s *sharedPrimes) run(ctx context.Context, fn string, n, threads, first, block int) []int {
	s.cond = sync.NewCond(&s.mu)
	s.slots = make([]slot, threads)
	for i := range s.slots {
		s.slots[i].x.Store(int64(first))
	}
	var next atomic.Int64
	next.Store(int64(first))
	finished := make(chan struct{})
	go func() { // wake everybody when ctx is done
		select {
		case <-ctx.Done():
			s.halt()
		case <-finished:
		}
	}()
	err := parallel(ctx, threads, func(rs *runState, w int) {
		defer s.advance(w, math.MaxInt64)
		stable, checked := 0, 0
		for !s.stop.Load() {
			if checked += block; checked >= 1024 {
				checked = 0
				if rs.stopped() { // poll too: ctx may not signal Done
					s.halt()
					return
				}
			}
			x := int(next.Add(int64(block)) - int64(block))
			s.advance(w, x)
			for xx := x; xx < x+block; xx++ {
				if !s.check(xx, &stable) {
					return
				}
			}
			if s.safeLength()+len(s.pre) >= n {
				return
			}
		}
	})
	close(finished)
	if err == nil {
		err = cancelErr(ctx)
	}
	raise(err)
	all := append(append([]int{}, s.pre...), s.known...)
	return all[:n]
}

// PrimesLocked is the post's primes_threaded: every thread takes the next
// number from an atomic counter and tests it against one shared list of
// known primes, guarded by a lock, reading each prime under the lock and
// sleeping on a condition variable when the prime it needs is not there yet;
// found primes are inserted in order (push_sorted!). The lock contention
// makes it slower than PrimesEager, as the post found.
func PrimesLocked(n, threads int) []int {
	checkPrimesN("PrimesLocked", n)
	threads = checkThreads("PrimesLocked", threads)
	if n <= 1 {
		return []int{2}[:n]
	}
	s := &sharedPrimes{known: make([]int, 1, min(n, 1<<20)+threads)}
	s.known[0] = 2
	return s.run(Context(), "PrimesLocked", n, threads, 3, 1)
}

// PrimesAvoid is the post's primes_avoid: the first blocksize primes are
// found serially and kept in a separate list read without any lock (the
// small primes are the most common divisors); threads take blocksize
// numbers at a time and report primes one by one into the locked list.
// blocksize <= 0 means the post's 256.
func PrimesAvoid(n, threads, blocksize int) []int {
	checkPrimesN("PrimesAvoid", n)
	threads = checkThreads("PrimesAvoid", threads)
	if blocksize <= 0 {
		blocksize = 256
	}
	pre := PrimesEager(blocksize)
	if n <= len(pre) {
		return pre[:n]
	}
	s := &sharedPrimes{pre: pre, known: make([]int, 0, min(n, 1<<20))}
	return s.run(Context(), "PrimesAvoid", n, threads, pre[len(pre)-1]+1, blocksize)
}

// primeBlock is one reserved block of primes_blockmore.
type primeBlock struct {
	primes []int
	done   chan struct{}
}

// PrimesBlocks is the post's primes_blockmore: the known primes are a
// vector of blocks; a thread reserves, under a lock, the next block slot
// and the next blocksize numbers, collects that block's primes locally, and
// readers walk block by block, waiting for a block's owner to finish it
// before reading it. Block slots are preallocated (n more per round, at most 2^20); when
// they run out every thread stops, more are allocated, and a new round
// starts with blocks twice as large. blocksize <= 0 means 256.
func PrimesBlocks(n, threads, blocksize int) []int {
	checkPrimesN("PrimesBlocks", n)
	threads = checkThreads("PrimesBlocks", threads)
	if blocksize <= 0 {
		blocksize = 256
	}
	ctx := Context()
	first := PrimesEager(blocksize)
	if n <= len(first) {
		return first[:n]
	}
	d0 := make(chan struct{})
	close(d0)
	var (
		reserveMu sync.Mutex
		blocks    = []atomic.Pointer[primeBlock]{{}}
		trueLen   = 1
		nextCheck = first[len(first)-1] + 1
		total     atomic.Int64
	)
	blocks[0].Store(&primeBlock{primes: first, done: d0})
	total.Store(int64(len(first)))
	maxBlocks := 1
	// reserve hands out the next block, or false when out of slots.
	reserve := func(bs int) (*primeBlock, int, int, bool) {
		reserveMu.Lock()
		defer reserveMu.Unlock()
		if trueLen == maxBlocks {
			return nil, 0, 0, false
		}
		b := &primeBlock{done: make(chan struct{})}
		blocks[trueLen].Store(b)
		trueLen++
		lo := nextCheck
		nextCheck += bs
		return b, lo, lo + bs, true
	}
	bs := blocksize
	for round := 0; total.Load() < int64(n); round++ {
		if round > 0 {
			bs *= 2 // primes get rarer: double the block each round
		}
		maxBlocks += min(n, 1<<20)
		grown := make([]atomic.Pointer[primeBlock], maxBlocks)
		for i := range trueLen {
			grown[i].Store(blocks[i].Load())
		}
		blocks = grown
		err := parallel(ctx, threads, func(rs *runState, _ int) {
			for !rs.stopped() {
				local, lo, hi, ok := reserve(bs)
				if !ok {
					return
				}
				for x := lo; x < hi; x++ {
					sq := math.Sqrt(float64(x))
					pb, pi := 0, 0
					cur := blocks[0].Load().primes
					for {
						p := cur[pi]
						if float64(p) > sq {
							local.primes = append(local.primes, x)
							break
						}
						if x%p == 0 {
							break
						}
						if pi+1 < len(cur) {
							pi++
							continue
						}
						// next block: wait until its owner is done; skip empty blocks
						for {
							pb++
							b := blocks[pb].Load()
							select {
							case <-b.done:
							case <-ctx.Done():
								rs.stopped()
								return
							}
							if len(b.primes) > 0 {
								cur, pi = b.primes, 0
								break
							}
						}
					}
				}
				close(local.done)
				if total.Add(int64(len(local.primes))) >= int64(n) {
					return
				}
			}
		})
		raise(err)
	}
	out := make([]int, 0, min(n, 1<<20))
	for i := range trueLen {
		out = append(out, blocks[i].Load().primes...)
		if len(out) >= n {
			break
		}
	}
	return out[:n]
}
