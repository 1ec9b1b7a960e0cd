package parlib

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Counter modes of RaceCounter.
const (
	// RaceUnsync increments with a read, then a separate write: the
	// unsynchronised counter++ of the threading gotcha. Updates are lost
	// when two workers interleave between the read and the write. (Both
	// halves are atomic operations, so it loses updates exactly like a
	// plain counter++ while staying clean under the race detector.)
	RaceUnsync = "unsync"
	// RaceMutex increments under a sync.Mutex.
	RaceMutex = "mutex"
	// RaceAtomic increments with one atomic add.
	RaceAtomic = "atomic"
	// RaceChannel sends every increment over a channel to one goroutine
	// that owns the counter (the lecture's fix with a queue).
	RaceChannel = "channel"
)

// raceThink is the number of multiply-adds between the read and the write
// of the unsynchronised counter: a window of a few tens of nanoseconds, like
// the bytecodes between the load and the store of Python's counter += 1.
var raceThink = 16

// RaceCounter has workers goroutines each add 1 to a shared counter
// increments times, synchronised as mode says (RaceUnsync, RaceMutex,
// RaceAtomic, RaceChannel), and returns the final count and the number of
// lost updates, workers*increments - final. Only RaceUnsync loses any.
func RaceCounter(workers, increments int, mode string) (final, lost int) {
	checkN("RaceCounter", "workers", workers)
	checkN("RaceCounter", "increments", increments)
	if workers > MaxThreads {
		panic(fmt.Sprintf("parlib.RaceCounter: workers = %d must be <= %d", workers, MaxThreads))
	}
	var wg sync.WaitGroup
	start := make(chan struct{}) // release everybody at once: more overlap
	run := func(inc func()) {
		wg.Add(workers)
		for range workers {
			go func() {
				defer wg.Done()
				<-start
				for range increments {
					inc()
				}
			}()
		}
		close(start)
		wg.Wait()
	}
	switch mode {
	case RaceUnsync:
		var c, sink atomic.Int64
		wg.Add(workers)
		for range workers {
			go func() {
				defer wg.Done()
				<-start
				acc := int64(0)
				for range increments {
					v := c.Load() // read ...
					// ... think a little, as any real update does ...
					for i := range raceThink {
						acc = acc*6364136223846793005 + int64(i)
					}
					c.Store(v + 1) // ... then write: not one atomic step
				}
				sink.Add(acc)
			}()
		}
		close(start)
		wg.Wait()
		final = int(c.Load())
	case RaceMutex:
		var mu sync.Mutex
		c := 0
		run(func() {
			mu.Lock()
			c++
			mu.Unlock()
		})
		final = c
	case RaceAtomic:
		var c atomic.Int64
		run(func() { c.Add(1) })
		final = int(c.Load())
	case RaceChannel:
		ch := make(chan int, 1024)
		done := make(chan int)
		go func() {
			c := 0
			for d := range ch {
				c += d
			}
			done <- c
		}()
		run(func() { ch <- 1 })
		close(ch)
		final = <-done
	default:
		panic(fmt.Sprintf("parlib.RaceCounter: mode = %q must be one of %q, %q, %q, %q",
			mode, RaceUnsync, RaceMutex, RaceAtomic, RaceChannel))
	}
	return final, workers*increments - final
}
