package parlib

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
)

func TestSpawnFetch(t *testing.T) {
	tasks := make([]*Task, 10)
	for i := range tasks {
		tasks[i] = Spawn(func() any { return i * i })
	}
	for i, tk := range tasks {
		v, err := tk.Fetch()
		if err != nil || v.(int) != i*i {
			t.Fatalf("task %d: %v, %v", i, v, err)
		}
	}
	if err := WaitAll(tasks...); err != nil {
		t.Fatal(err)
	}
}

func TestSpawnPanicIsAnError(t *testing.T) {
	tk := Spawn(func() any {
		var m map[string]int
		m["x"] = 1 // runtime panic
		return nil
	})
	_, err := tk.Fetch()
	var pe *PanicError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "assignment to entry in nil map") {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(pe.Stack, "TestSpawnPanicIsAnError") {
		t.Fatalf("stack summary does not name the panicking function:\n%s", pe.Stack)
	}
	if err := WaitAll(Spawn(func() any { return 1 }), tk); err != pe {
		t.Fatalf("WaitAll: %v", err)
	}
	e2 := SpawnErr(func() (any, error) { return nil, errors.New("plain") }).Wait()
	if e2 == nil || e2.Error() != "plain" {
		t.Fatalf("SpawnErr: %v", e2)
	}
	e3 := SpawnErr(func() (any, error) { panic("p") }).Wait()
	if !errors.As(e3, &pe) {
		t.Fatalf("SpawnErr panic: %v", e3)
	}
}

func TestTaskWaitCtx(t *testing.T) {
	block := make(chan struct{})
	tk := Spawn(func() any { <-block; return 1 })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tk.WaitCtx(ctx); !errors.Is(err, ErrCanceled) {
		t.Fatalf("WaitCtx: %v", err)
	}
	close(block)
	<-tk.Done()
	if err := tk.WaitCtx(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestGroup(t *testing.T) {
	var g Group
	var n atomic.Int32
	for range 20 {
		g.Spawn(func() { n.Add(1) })
	}
	if err := g.Wait(); err != nil || n.Load() != 20 {
		t.Fatalf("err %v, n %d", err, n.Load())
	}
	g2 := NewGroup(2)
	var running, peak atomic.Int32
	first := errors.New("first")
	for i := range 10 {
		g2.Go(func() error {
			r := running.Add(1)
			for {
				p := peak.Load()
				if r <= p || peak.CompareAndSwap(p, r) {
					break
				}
			}
			defer running.Add(-1)
			if i == 3 {
				return first
			}
			if i == 5 {
				panic("five")
			}
			return nil
		})
	}
	err := g2.Wait()
	if err == nil {
		t.Fatal("group error lost")
	}
	if peak.Load() > 2 {
		t.Fatalf("limit 2 exceeded: %d at once", peak.Load())
	}
	mustPanicWith(t, "parlib.Spawn: f must not be nil", func() { Spawn(nil) })
}
