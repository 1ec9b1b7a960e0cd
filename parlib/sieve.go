package parlib

import (
	"context"
	"encoding/binary"
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The sieve uses the mod-30 wheel: byte b stands for the eight numbers
// 30b + {1, 7, 11, 13, 17, 19, 23, 29} (the residues coprime to 2, 3, 5),
// one bit each. Multiples of 7, 11, 13 and 17 are not crossed off one by one
// but copied in from a pattern of 7*11*13*17 bytes; each larger sieving
// prime p crosses off p*m for m coprime to 30, eight multiples per turn of
// the wheel (one turn moves p bytes), in segments sized for the L2 cache,
// handed out to threads in groups.
const (
	sieveSegment = 1 << 17 // bytes (30 numbers each) per segment
	sieveGroup   = 4       // segments per work item
	patternLen   = 7 * 11 * 13 * 17
	firstSiever  = 19 // smallest prime crossed off explicitly
)

var (
	wheel      = [8]int{1, 7, 11, 13, 17, 19, 23, 29}
	wheelIndex = func() (idx [30]int) {
		for i := range idx {
			idx[i] = -1
		}
		for k, w := range wheel {
			idx[w] = k
		}
		return idx
	}()
	// presieved()[b] has the bits of 30b + w not divisible by 7, 11, 13,
	// 17; two periods, so that a copy starting anywhere in the first never
	// wraps. Built on first use, not at program start (gopar's kernel
	// starts with parlib linked in, and its start-up time counts).
	presieved = sync.OnceValue(func() []byte {
		pat := make([]byte, 2*patternLen)
		for b := range pat {
			var v byte
			for k, w := range wheel {
				n := 30*b + w
				if n%7 != 0 && n%11 != 0 && n%13 != 0 && n%17 != 0 {
					v |= 1 << k
				}
			}
			pat[b] = v
		}
		return pat
	})
)

// CountPrimes returns the number of primes <= limit (pi(limit)) by a
// segmented sieve of Eratosthenes on the mod-30 wheel, on threads threads.
// CountPrimes(1e9, 0) = 50847534.
func CountPrimes(limit, threads int) int {
	checkN("CountPrimes", "limit", limit)
	threads = checkThreads("CountPrimes", threads)
	c, err := countPrimes(Context(), limit, threads)
	raise(err)
	return c
}

// CountPrimesCtx is CountPrimes observing ctx.
func CountPrimesCtx(ctx context.Context, limit, threads int) (int, error) {
	checkN("CountPrimesCtx", "limit", limit)
	threads = checkThreads("CountPrimesCtx", threads)
	return countPrimes(ctx, limit, threads)
}

// SievePrimes returns all primes <= limit, in order, by the same segmented
// sieve as CountPrimes, on threads threads.
func SievePrimes(limit, threads int) []int {
	checkN("SievePrimes", "limit", limit)
	threads = checkThreads("SievePrimes", threads)
	ctx := Context()
	out := []int{}
	for _, p := range []int{2, 3, 5} {
		if p <= limit {
			out = append(out, p)
		}
	}
	if limit < 7 {
		raise(cancelErr(ctx))
		return out
	}
	itemLen := sieveSegment * sieveGroup
	parts := make([][]int, (limit/30+itemLen)/itemLen)
	raise(sieveItems(ctx, limit, threads, func(item, lo int, seg []byte) {
		for i, v := range seg {
			for v != 0 {
				k := bits.TrailingZeros8(v)
				v &= v - 1
				parts[item] = append(parts[item], 30*(lo+i)+wheel[k])
			}
		}
	}))
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func countPrimes(ctx context.Context, limit, threads int) (int, error) {
	small := 0
	for _, p := range []int{2, 3, 5} {
		if p <= limit {
			small++
		}
	}
	if limit < 7 {
		return small, cancelErr(ctx)
	}
	var total atomic.Int64
	err := sieveItems(ctx, limit, threads, func(item, lo int, seg []byte) {
		total.Add(int64(countOnes(seg)))
	})
	if err != nil {
		return 0, err
	}
	return int(total.Load()) + small, nil
}

// simpleSieve returns the primes <= limit by the plain sieve of
// Eratosthenes (for the sieving primes, limit ~ sqrt of the real one).
func simpleSieve(limit int) []int {
	if limit < 2 {
		return nil
	}
	comp := make([]bool, limit+1)
	ps := []int{2}
	for i := 3; i <= limit; i += 2 {
		if comp[i] {
			continue
		}
		ps = append(ps, i)
		for j := i * i; j <= limit; j += 2 * i {
			comp[j] = true
		}
	}
	return ps
}

func countOnes(seg []byte) int {
	c := 0
	i := 0
	for ; i+8 <= len(seg); i += 8 {
		c += bits.OnesCount64(binary.LittleEndian.Uint64(seg[i:]))
	}
	for ; i < len(seg); i++ {
		c += bits.OnesCount8(seg[i])
	}
	return c
}

// siever is one sieving prime p = 30a + r and where it is on the wheel:
// the next multiple to cross off is in byte base + off[j], bit mask[j].
type siever struct {
	p, base, j int
	off        [8]int
	mask       [8]byte // AND masks (the bit to clear is 0)
}

// newSiever places p at its first multiple p*m >= max(p*p, 30*lo) with m
// coprime to 30.
func newSiever(p, lo int) siever {
	s := siever{p: p}
	a, r := p/30, p%30
	for j, w := range wheel {
		s.off[j] = a*w + r*w/30
		s.mask[j] = ^byte(1 << wheelIndex[r*w%30])
	}
	m := max(p, (30*lo+p-1)/p)
	q, w := m/30, m%30
	j := 0
	for j < 8 && wheel[j] < w {
		j++
	}
	if j == 8 {
		q, j = q+1, 0
	}
	s.base, s.j = q*p, j
	return s
}

// cross clears the multiples of s.p in seg, which holds bytes [lo, lo+len).
func (s *siever) cross(seg []byte, lo int) {
	p, n := s.p, len(seg)
	b, j := s.base-lo, s.j
	if j != 0 || b < 0 { // finish the current turn of the wheel
		for ; j < 8; j++ {
			i := b + s.off[j]
			if i >= n {
				s.base, s.j = b+lo, j
				return
			}
			seg[i] &= s.mask[j]
		}
		j, b = 0, b+p
	}
	o0, o1, o2, o3, o4, o5, o6, o7 := s.off[0], s.off[1], s.off[2], s.off[3], s.off[4], s.off[5], s.off[6], s.off[7]
	m0, m1, m2, m3, m4, m5, m6, m7 := s.mask[0], s.mask[1], s.mask[2], s.mask[3], s.mask[4], s.mask[5], s.mask[6], s.mask[7]
	for ; b+p <= n; b += p { // whole turns: off[7] < p
		// 0 <= b, b+off[k] < b+p <= n: in bounds, so skip the checks.
		t := unsafe.Pointer(&seg[b])
		*(*byte)(unsafe.Add(t, o0)) &= m0
		*(*byte)(unsafe.Add(t, o1)) &= m1
		*(*byte)(unsafe.Add(t, o2)) &= m2
		*(*byte)(unsafe.Add(t, o3)) &= m3
		*(*byte)(unsafe.Add(t, o4)) &= m4
		*(*byte)(unsafe.Add(t, o5)) &= m5
		*(*byte)(unsafe.Add(t, o6)) &= m6
		*(*byte)(unsafe.Add(t, o7)) &= m7
	}
	for ; j < 8; j++ {
		i := b + s.off[j]
		if i >= n {
			break
		}
		seg[i] &= s.mask[j]
	}
	if j == 8 {
		j, b = 0, b+p
	}
	s.base, s.j = b+lo, j
}

// sieveItems sieves the numbers <= limit (limit >= 7) coprime to 30 and
// calls f(item, lo, seg) for each segment, where bit k of seg[i] is set iff
// 30(lo+i) + wheel[k] is a prime > 5. Work items of sieveGroup segments run
// on threads workers; f may run concurrently for different items.
func sieveItems(ctx context.Context, limit, threads int, f func(item, lo int, seg []byte)) error {
	nBytes := limit/30 + 1
	var ps []int
	for _, p := range simpleSieve(isqrt(limit)) {
		if p >= firstSiever {
			ps = append(ps, p)
		}
	}
	itemLen := sieveSegment * sieveGroup
	items := (nBytes + itemLen - 1) / itemLen
	return dynamicChunks(ctx, threads, items, func(item int) {
		seg := make([]byte, sieveSegment)
		start := item * itemLen
		sv := make([]siever, len(ps))
		for k, p := range ps {
			sv[k] = newSiever(p, start)
		}
		for lo := start; lo < min(start+itemLen, nBytes); lo += sieveSegment {
			s := seg[:min(sieveSegment, nBytes-lo)]
			off := lo % patternLen
			pattern := presieved()
			for i := 0; i < len(s); i += patternLen {
				copy(s[i:], pattern[off:off+patternLen])
			}
			if lo == 0 {
				s[0] &^= 1 // 1 is not prime
				for _, p := range []int{7, 11, 13, 17} {
					s[0] |= 1 << wheelIndex[p]
				}
			}
			for k := range sv {
				sv[k].cross(s, lo)
			}
			if lo+len(s) == nBytes { // drop the numbers above limit
				last := &s[len(s)-1]
				for k, w := range wheel {
					if 30*(nBytes-1)+w > limit {
						*last &^= 1 << k
					}
				}
			}
			f(item, lo, s)
		}
	})
}
