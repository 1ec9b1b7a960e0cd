package dist

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"
)

// The benchmarks measure ratios within one run, alternating the two sides
// and keeping the best of several rounds, as the machine is shared:
//
//	go test -run '^$' -bench . -benchtime 1x ./dist/
//
// BenchmarkPmapOverhead: the cost of one tiny task (a function returning
// its input) through Pmap with 2 workers, batch 1 against batch 100.
// BenchmarkCholesky: 12 Cholesky tasks of size 500 (the Julia notes'
// pmap(test, repeat([5000], 12)) scaled down) on 2 workers against 1.
// BenchmarkReady: from a new cluster to 2 workers ready (embedded server
// included).

// benchCluster is a cluster of n stub workers for benchmarks.
func benchCluster(b *testing.B, n int) *Cluster {
	b.Helper()
	c := &Cluster{Command: []string{os.Args[0]}, Env: []string{envTestWorker + "=1"}}
	b.Cleanup(func() { c.Close() })
	if _, err := c.AddProcs(context.Background(), n); err != nil {
		b.Fatal(err)
	}
	return c
}

// timeIt runs f and returns how long it took.
func timeIt(b *testing.B, f func() error) time.Duration {
	b.Helper()
	t0 := time.Now()
	if err := f(); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func BenchmarkPmapOverhead(b *testing.B) {
	c := benchCluster(b, 2)
	const n, rounds = 2000, 9
	in := ints(n)
	run := func(bs int) func() error {
		return func() error {
			_, err := c.Pmap(context.Background(), "nop", in, Options{BatchSize: bs})
			return err
		}
	}
	run(1)() // warm up
	var one, hundred []time.Duration
	for i := 0; i < b.N; i++ {
		for r := 0; r < rounds; r++ {
			one = append(one, timeIt(b, run(1))/n)
			hundred = append(hundred, timeIt(b, run(100))/n)
		}
	}
	b.ReportMetric(float64(median(one).Microseconds()), "µs/task-batch1-median")
	b.ReportMetric(float64(slices.Min(one).Nanoseconds())/1e3, "µs/task-batch1-min")
	b.ReportMetric(float64(median(hundred).Nanoseconds())/1e3, "µs/task-batch100-median")
	b.ReportMetric(float64(slices.Min(one))/float64(slices.Min(hundred)), "batch1/batch100")
}

func BenchmarkCholesky(b *testing.B) {
	one, two := benchCluster(b, 1), benchCluster(b, 2)
	const rounds = 9
	in := make([]any, 12)
	for i := range in {
		in[i] = Args{500, i}
	}
	run := func(c *Cluster) func() error {
		return func() error {
			_, err := c.Pmap(context.Background(), "chol", in)
			return err
		}
	}
	run(one)()
	run(two)()
	var t1, t2 []time.Duration
	for i := 0; i < b.N; i++ {
		for r := 0; r < rounds; r++ {
			t1 = append(t1, timeIt(b, run(one)))
			t2 = append(t2, timeIt(b, run(two)))
		}
	}
	b.ReportMetric(float64(slices.Min(t1).Milliseconds()), "ms-1worker")
	b.ReportMetric(float64(slices.Min(t2).Milliseconds()), "ms-2workers")
	b.ReportMetric(float64(slices.Min(t1))/float64(slices.Min(t2)), "speedup")
}

func BenchmarkReady(b *testing.B) {
	var ds []time.Duration
	for i := 0; i < b.N*5; i++ {
		c := &Cluster{Command: []string{os.Args[0]}, Env: []string{envTestWorker + "=1"}}
		ds = append(ds, timeIt(b, func() error {
			_, err := c.AddProcs(context.Background(), 2)
			return err
		}))
		c.Close()
	}
	b.ReportMetric(float64(median(ds).Milliseconds()), "ms-ready-median")
}
