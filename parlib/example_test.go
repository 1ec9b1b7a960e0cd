package parlib_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/gopar/gopar/parlib"
)

func ExampleSlowSeries() {
	// The harmonic series without the terms whose denominator has a 9
	// converges (to 22.92...), very slowly. The sum is the same on any
	// number of threads: chunks are added in order.
	fmt.Printf("%.12f\n", parlib.SlowSeries(1_000_000, 1))
	fmt.Printf("%.12f\n", parlib.SlowSeries(1_000_000, 2))
	// Output:
	// 11.015651849873
	// 11.015651849873
}

func ExampleTrigSeries() {
	s := parlib.TrigSeries(10_000_000, 0)
	fmt.Printf("%.4f (limit %.4f)\n", s, -math.Log(2*math.Sin(0.5)))
	// Output: 0.0420 (limit 0.0420)
}

func ExamplePrimes() {
	fmt.Println(parlib.Primes(10, 2))
	fmt.Println(parlib.Primes(100_000, 0)[99_999])
	// Output:
	// [2 3 5 7 11 13 17 19 23 29]
	// 1299709
}

func ExamplePrimesEager() {
	// The Julia post's versions, to time side by side with Primes.
	fmt.Println(parlib.PrimesEager(8))
	fmt.Println(parlib.PrimesChannel(8))
	fmt.Println(parlib.PrimesLocked(8, 2))
	fmt.Println(parlib.PrimesAvoid(300, 2, 256)[299])
	fmt.Println(parlib.PrimesBlocks(300, 2, 256)[299])
	// Output:
	// [2 3 5 7 11 13 17 19]
	// [2 3 5 7 11 13 17 19]
	// [2 3 5 7 11 13 17 19]
	// 1987
	// 1987
}

func ExampleCountPrimes() {
	fmt.Println(parlib.CountPrimes(1_000_000, 0))
	fmt.Println(parlib.SievePrimes(30, 1))
	// Output:
	// 78498
	// [2 3 5 7 11 13 17 19 23 29]
}

func ExampleFor() {
	// Like Julia's @threads for: each index once, on DefaultThreads() threads.
	squares := make([]int, 8)
	parlib.For(len(squares), func(i int) { squares[i] = i * i })
	fmt.Println(squares)
	// Output: [0 1 4 9 16 25 36 49]
}

func ExampleForChunksOpts() {
	// One call per chunk: the cheap way to drive an interpreted body.
	var total atomic.Int64
	parlib.ForChunksOpts(1000, parlib.Options{Threads: 4, Schedule: parlib.Dynamic, Chunk: 100}, func(lo, hi int) {
		s := 0
		for i := lo; i < hi; i++ {
			s += i
		}
		total.Add(int64(s))
	})
	fmt.Println(total.Load())
	// Output: 499500
}

func ExampleSpawn() {
	t := parlib.Spawn(func() any { return parlib.CountPrimes(1000, 1) })
	v, err := t.Fetch()
	fmt.Println(v, err)

	bad := parlib.Spawn(func() any { panic("oops") })
	_, err = bad.Fetch()
	var pe *parlib.PanicError
	fmt.Println(errors.As(err, &pe), pe.Value)
	// Output:
	// 168 <nil>
	// true oops
}

func ExampleGroup() {
	var g parlib.Group
	results := make([]int, 3)
	for i := range results {
		g.Go(func() error {
			results[i] = parlib.CountPrimes((i+1)*100, 1)
			return nil
		})
	}
	fmt.Println(g.Wait(), results)
	// Output: <nil> [25 46 62]
}

func ExamplePmapFloat64() {
	xs := []float64{1, 4, 9, 16}
	fmt.Println(parlib.PmapFloat64(xs, math.Sqrt, parlib.MapOptions{Threads: 2, BatchSize: 1}))
	fmt.Println(parlib.PmapInt([]int{1, 2, 3}, func(x int) int { return 10 * x }, parlib.MapOptions{BatchSize: parlib.Prescheduled}))
	// Output:
	// [1 2 3 4]
	// [10 20 30]
}

func ExampleMapReduceFloat64() {
	// @distributed (+) for i in 1:n: sum of 1/i^2 -> pi^2/6
	s := parlib.MapReduceFloat64(1_000_000, func(i int) float64 { k := float64(i + 1); return 1 / (k * k) },
		func(a, b float64) float64 { return a + b }, 2)
	fmt.Printf("%.5f\n", s)
	fmt.Println(parlib.SumFloat64(4, func(i int) float64 { return float64(i) }, 0))
	// Output:
	// 1.64493
	// 6
}

func ExamplePsortInt() {
	v := []int{5, 2, 8, 1, 9, 3}
	parlib.PsortInt(v, 2) // cutoff 2: tiny halves still spawn tasks
	fmt.Println(v)
	// Output: [1 2 3 5 8 9]
}

func ExampleRaceCounter() {
	for _, mode := range []string{parlib.RaceMutex, parlib.RaceAtomic, parlib.RaceChannel} {
		final, lost := parlib.RaceCounter(4, 10_000, mode)
		fmt.Println(mode, final, lost)
	}
	// parlib.RaceUnsync loses updates: how many depends on the run.
	// Output:
	// mutex 40000 0
	// atomic 40000 0
	// channel 40000 0
}

func ExampleSqrtEach() {
	src := []float64{1, 4, 9}
	dst := make([]float64, 3)
	parlib.SqrtEach(dst, src, 2)
	fmt.Println(dst, parlib.SumSqrt(src, 2), parlib.RootsSum(src, 2))
	// Output: [1 2 3] 6 [6 6 6]
}

func ExampleNewScalingResult() {
	// The course's slow-series timings on a laptop.
	r := parlib.NewScalingResult("slow series, pool.map", []int{1, 2, 4, 8},
		[]time.Duration{8294 * time.Millisecond, 4324 * time.Millisecond, 2200 * time.Millisecond, 1408 * time.Millisecond})
	fmt.Println(r)
	// Output:
	// slow series, pool.map
	//  threads         time   speed-up  efficiency
	//        1      8.294 s      1.00x      100.0%
	//        2      4.324 s      1.92x       95.9%
	//        4      2.200 s      3.77x       94.2%
	//        8      1.408 s      5.89x       73.6%
	// serial fraction (Amdahl fit): 0.039
}

func ExampleScaling() {
	r := parlib.ScalingNamed("slow series 1e6", func(threads int) { parlib.SlowSeries(1_000_000, threads) }, 1, 2)
	fmt.Println(len(r.Points), r.Points[0].Speedup)
	// Output: 2 1
}

func ExampleTime() {
	r := parlib.Time(func() { parlib.SlowSeries(1_000_000, 0) })
	fmt.Println(r.Wall > 0) // r prints like @time: "  5.1 ms (wall), 10.0 ms CPU (196%), ..."
	// Output: true
}

func ExampleBench() {
	r := parlib.Bench(func() { parlib.CountPrimes(10_000, 1) })
	fmt.Println(r.Runs >= 3, r.Min <= r.Median) // r prints like @btime
	// Output: true true
}

func ExampleMachine() {
	m := parlib.Machine()
	fmt.Println(m.LogicalCPUs > 0, m.PhysicalCores > 0)
	// fmt.Println(m) draws the cores, their caches and the memory.
	// Output: true true
}

func ExampleSetContext() {
	ctx, cancel := context.WithCancel(context.Background())
	parlib.SetContext(ctx)
	defer parlib.SetContext(nil)
	cancel() // e.g. the notebook's interrupt button
	defer func() {
		err := recover().(error)
		fmt.Println(errors.Is(err, parlib.ErrCanceled))
	}()
	parlib.SlowSeries(1e12, 0)
	// Output: true
}

func ExampleCholeskyMap() {
	out := parlib.CholeskyMap(4, 50, 2) // 4 tasks, 50x50 matrices, 2 threads
	fmt.Println(len(out), out[0] == parlib.CholeskyTask(50, 0))
	// Output: 4 true
}
