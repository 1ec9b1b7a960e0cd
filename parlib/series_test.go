package parlib

import (
	"math"
	"testing"
)

func relErr(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / math.Max(math.Abs(a), math.Abs(b))
}

func TestSeriesMatchSerialAcrossThreads(t *testing.T) {
	sizes := []int{0, 1, 8, 9, 10, 99, 1000, 123457, 1 << 20}
	for _, n := range sizes {
		slowRef, trigRef := SlowSeriesSerial(n), TrigSeriesSerial(n)
		var slow1, trig1 float64
		for i, th := range threadCounts {
			s, tr := SlowSeries(n, th), TrigSeries(n, th)
			if i == 0 {
				slow1, trig1 = s, tr
			}
			// chunked sums are the same for every thread count ...
			if s != slow1 || tr != trig1 {
				t.Fatalf("n=%d threads=%d: %v %v differ from 1 thread %v %v", n, th, s, tr, slow1, trig1)
			}
			// ... and agree with the plain loop to rounding
			if relErr(s, slowRef) > 1e-13 || relErr(tr, trigRef) > 1e-12 {
				t.Fatalf("n=%d threads=%d: slow %v vs %v, trig %v vs %v", n, th, s, slowRef, tr, trigRef)
			}
		}
	}
	// small values by hand: 1 + 1/2 + ... + 1/8 (9 is skipped), then 1/10
	want := 0.0
	for k := 1; k <= 10; k++ {
		if k != 9 {
			want += 1 / float64(k)
		}
	}
	if got := SlowSeries(10, 2); relErr(got, want) > 1e-15 {
		t.Fatalf("SlowSeries(10) = %v, want %v", got, want)
	}
	if SlowSeries(0, 1) != 0 || TrigSeries(0, 3) != 0 {
		t.Fatal("empty sums are not 0")
	}
}

func TestSlowSeriesKnownValue(t *testing.T) {
	n, want, tol := 100_000_000, 13.2776059498, 1e-9
	if !big() {
		// 10^6 terms, checked against the serial loop instead
		n = 1_000_000
		want, tol = SlowSeriesSerial(n), 1e-13
	}
	if got := SlowSeries(n, 0); relErr(got, want) > tol {
		t.Fatalf("SlowSeries(%d) = %.12f, want %.12f", n, got, want)
	}
}

func TestTrigSeriesLimit(t *testing.T) {
	// sum cos(k)/k -> -ln(2 sin(1/2)); the tail after n terms is O(1/n).
	n := 1_000_000
	if got, want := TrigSeries(n, 0), -math.Log(2*math.Sin(0.5)); math.Abs(got-want) > 2.0/float64(n) {
		t.Fatalf("TrigSeries(%d) = %v, limit %v", n, got, want)
	}
}

func TestSeriesBadArguments(t *testing.T) {
	mustPanicWith(t, "parlib.SlowSeries: n = -1 must be >= 0", func() { SlowSeries(-1, 1) })
	mustPanicWith(t, "parlib.TrigSeries: threads = 4097 must be <= 4096", func() { TrigSeries(1, 4097) })
	mustPanicWith(t, "parlib.SlowSeriesSerial: n = -5 must be >= 0", func() { SlowSeriesSerial(-5) })
}
