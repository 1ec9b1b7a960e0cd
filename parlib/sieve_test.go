package parlib

import (
	"slices"
	"testing"
)

func TestCountPrimesSmallLimits(t *testing.T) {
	// every limit up to 3000, against a naive count
	comp := make([]bool, 3001)
	count := 0
	for lim := 0; lim <= 3000; lim++ {
		if lim >= 2 && !comp[lim] {
			count++
			for j := lim * lim; j <= 3000; j += lim {
				comp[j] = true
			}
		}
		if got := CountPrimes(lim, 1+lim%3); got != count {
			t.Fatalf("CountPrimes(%d) = %d, want %d", lim, got, count)
		}
	}
}

func TestCountPrimesKnownValues(t *testing.T) {
	known := []struct{ limit, pi int }{
		{10, 4}, {100, 25}, {1000, 168}, {10_000, 1229}, {100_000, 9592},
		{1_000_000, 78498}, {10_000_000, 664579}, {100_000_000, 5761455},
		{1_000_000_000, 50847534},
	}
	for _, k := range known {
		if k.limit > 10_000_000 && !big() {
			continue
		}
		for _, th := range threadCounts {
			if got := CountPrimes(k.limit, th); got != k.pi {
				t.Fatalf("CountPrimes(%d, %d) = %d, want %d", k.limit, th, got, k.pi)
			}
		}
	}
}

func TestSievePrimesMatchesTrialDivision(t *testing.T) {
	// limits around segment and work-item boundaries
	item := 2 * sieveSegment * sieveGroup
	for _, lim := range []int{0, 1, 2, 3, 4, 29, 30, 31, 2 * sieveSegment, 2*sieveSegment + 1, item - 1, item + 1, 3*item + 5} {
		want := simpleSieve(lim)
		if want == nil {
			want = []int{}
		}
		for _, th := range threadCounts {
			got := SievePrimes(lim, th)
			if !slices.Equal(got, want) {
				t.Fatalf("SievePrimes(%d, %d): %d primes, want %d", lim, th, len(got), len(want))
			}
			if c := CountPrimes(lim, th); c != len(want) {
				t.Fatalf("CountPrimes(%d, %d) = %d, want %d", lim, th, c, len(want))
			}
		}
	}
}

func TestCountPrimesBadArguments(t *testing.T) {
	mustPanicWith(t, "parlib.CountPrimes: limit = -1 must be >= 0", func() { CountPrimes(-1, 1) })
}
