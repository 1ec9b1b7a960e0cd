package parlib

import (
	"context"
	"fmt"
	"math"
)

// Primes returns the first n primes, sorted, found by trial division by the
// known primes (the algorithm of the "Thread Parallelism in Julia" post) on
// threads threads. Unlike the post's threaded versions it beats serial: the
// primes up to sqrt(bound) are found first, where bound >= the n-th prime
// (Rosser's bound n(ln n + ln ln n)); then every candidate in
// (sqrt(bound), bound] can be tested independently, in blocks handed out
// dynamically, each block keeping its own list, concatenated in order.
func Primes(n, threads int) []int {
	checkPrimesN("Primes", n)
	threads = checkThreads("Primes", threads)
	ps, err := primesPhased(Context(), n, threads)
	raise(err)
	return ps
}

// PrimesCtx is Primes observing ctx.
func PrimesCtx(ctx context.Context, n, threads int) ([]int, error) {
	checkPrimesN("PrimesCtx", n)
	threads = checkThreads("PrimesCtx", threads)
	return primesPhased(ctx, n, threads)
}

// MaxPrimes is the largest n the Primes... functions accept (the answer
// alone would take 2 GiB).
const MaxPrimes = 1 << 28

func checkPrimesN(fn string, n int) {
	checkN(fn, "n", n)
	if n > MaxPrimes {
		panic(fmt.Sprintf("parlib.%s: n = %d must be <= %d", fn, n, MaxPrimes))
	}
}

// nthPrimeBound returns an upper bound of the n-th prime (n >= 1).
func nthPrimeBound(n int) int {
	if n < 6 {
		return 13
	}
	f := float64(n)
	return int(f*(math.Log(f)+math.Log(math.Log(f)))) + 1
}

func isqrt(x int) int {
	r := int(math.Sqrt(float64(x)))
	for r*r > x {
		r--
	}
	for (r+1)*(r+1) <= x {
		r++
	}
	return r
}

// smallPrimes returns the primes <= limit by serial trial division.
func smallPrimes(limit int) []int {
	ps := []int{}
	if limit >= 2 {
		ps = append(ps, 2)
	}
	for x := 3; x <= limit; x += 2 {
		prime := true
		for _, p := range ps[1:] {
			if p*p > x {
				break
			}
			if x%p == 0 {
				prime = false
				break
			}
		}
		if prime {
			ps = append(ps, x)
		}
	}
	return ps
}

const primesBlock = 1 << 12

func primesPhased(ctx context.Context, n, threads int) ([]int, error) {
	if n == 0 {
		return []int{}, cancelErr(ctx)
	}
	limit := nthPrimeBound(n)
	root := isqrt(limit)
	small := smallPrimes(root)
	if len(small) >= n {
		return small[:n], cancelErr(ctx)
	}
	start := root + 1
	if start%2 == 0 {
		start++
	}
	nb := (limit - start + primesBlock) / primesBlock
	found := make([][]int, nb)
	if limit < math.MaxUint32 {
		div := make([]divisor32, len(small)-1)
		for i, p := range small[1:] {
			div[i] = newDivisor32(uint32(p))
		}
		err := dynamicChunks(ctx, threads, nb, func(c int) {
			lo := start + c*primesBlock
			found[c] = trialBlock32(uint32(lo), uint32(min(lo+primesBlock, limit+1)), div)
		})
		if err != nil {
			return nil, err
		}
	} else {
		div := make([]uint64, len(small)-1)
		for i, p := range small[1:] {
			div[i] = uint64(p)
		}
		err := dynamicChunks(ctx, threads, nb, func(c int) {
			lo := start + c*primesBlock
			found[c] = trialBlock(uint64(lo), uint64(min(lo+primesBlock, limit+1)), div)
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]int, 0, n)
	out = append(out, small...)
	for _, f := range found {
		if len(out)+len(f) >= n {
			out = append(out, f[:n-len(out)]...)
			break
		}
		out = append(out, f...)
	}
	return out, nil
}

// primesInBlock estimates (generously) how many primes [lo, hi) holds.
func primesInBlock(lo, hi int) int {
	return int(1.25*float64(hi-lo)/math.Log(float64(max(lo, 3)))) + 8
}

// divisor32 tests divisibility by an odd prime p < 2^16 without dividing:
// x is a multiple of p iff x * p^-1 (mod 2^32) <= (2^32-1)/p.
type divisor32 struct {
	inv, max, square uint32
}

func newDivisor32(p uint32) divisor32 {
	inv := p // Newton's iteration for the inverse of p modulo 2^32
	for range 4 {
		inv *= 2 - p*inv
	}
	return divisor32{inv: inv, max: math.MaxUint32 / p, square: p * p}
}

// trialBlock32 is trialBlock for numbers below 2^32, with divisibility
// tests by multiplication.
func trialBlock32(lo, hi uint32, div []divisor32) []int {
	out := make([]int, 0, primesInBlock(int(lo), int(hi)))
	for x := lo; x < hi; x += 2 {
		prime := true
		for _, d := range div {
			if d.square > x {
				break
			}
			if x*d.inv <= d.max {
				prime = false
				break
			}
		}
		if prime {
			out = append(out, int(x))
		}
	}
	return out
}

// trialBlock returns the primes among the odd numbers of [lo, hi) (lo odd),
// trial-dividing by the odd primes div, which must reach sqrt(hi).
// divisor32's test would overflow its square above 2^32.
func trialBlock(lo, hi uint64, div []uint64) []int {
	out := make([]int, 0, primesInBlock(int(lo), int(hi)))
	for x := lo; x < hi; x += 2 {
		prime := true
		for _, p := range div {
			if p*p > x {
				break
			}
			if x%p == 0 {
				prime = false
				break
			}
		}
		if prime {
			out = append(out, int(x))
		}
	}
	return out
}

// PrimesChannel is the post's primes_ch: a generator goroutine that tests
// every x >= 3 against its list of known primes (stopping at the first
// p > sqrt(x)) and sends each prime on a channel with a buffer of 256; the
// caller takes the first n. The generator stops when the caller is done.
func PrimesChannel(n int) []int {
	checkPrimesN("PrimesChannel", n)
	ctx := Context()
	stop := make(chan struct{})
	defer close(stop)
	ch := PrimeGenerator(stop)
	out := make([]int, 0, min(n, 1<<20))
	for len(out) < n {
		if len(out)%256 == 0 {
			raise(cancelErr(ctx))
		}
		out = append(out, <-ch)
	}
	return out
}

// PrimeGenerator starts the generator goroutine of PrimesChannel and returns
// its channel (buffer 256) of 2, 3, 5, 7, ...; closing stop ends it.
func PrimeGenerator(stop <-chan struct{}) <-chan int {
	c := make(chan int, 256)
	go func() {
		defer close(c)
		known := []int{2}
		send := func(x int) bool {
			select {
			case c <- x:
				return true
			case <-stop:
				return false
			}
		}
		if !send(2) {
			return
		}
		for x := 3; ; x++ {
			for _, p := range known {
				if float64(p) > math.Sqrt(float64(x)) {
					known = append(known, x)
					if !send(x) {
						return
					}
					break
				}
				if x%p == 0 {
					break
				}
			}
		}
	}()
	return c
}

// PrimesEager is the post's primes_array, the serial baseline its threaded
// versions lose to: an array of known primes (2 to start), every x >= 3
// tested against it until p > sqrt(x), until there are n. (The post's
// version never stops for n = 1; this one does.)
func PrimesEager(n int) []int {
	checkPrimesN("PrimesEager", n)
	ctx := Context()
	if n == 0 {
		return []int{}
	}
	known := make([]int, 1, min(n, 1<<20))
	known[0] = 2
	for x := 3; len(known) < n; x++ {
		if x&0xffff == 0 {
			raise(cancelErr(ctx))
		}
		for _, p := range known {
			if float64(p) > math.Sqrt(float64(x)) {
				known = append(known, x)
				break
			}
			if x%p == 0 {
				break
			}
		}
	}
	return known
}
