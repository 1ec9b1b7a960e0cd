package parlib

import (
	"context"
	"sync"
)

// Task is a function running in its own goroutine, like the result of
// Julia's Threads.@spawn: Wait for it, or Fetch its value. A panic in the
// task is recovered and comes back from Wait/Fetch as a *PanicError.
type Task struct {
	done  chan struct{}
	value any
	err   error
}

// Spawn starts f in a new goroutine and returns its Task.
func Spawn(f func() any) *Task {
	checkFunc("Spawn", "f", f == nil)
	t := &Task{done: make(chan struct{})}
	go func() {
		defer close(t.done)
		t.err = catch(func() { t.value = f() })
	}()
	return t
}

// SpawnErr is Spawn for a function that returns an error as well.
func SpawnErr(f func() (any, error)) *Task {
	checkFunc("SpawnErr", "f", f == nil)
	t := &Task{done: make(chan struct{})}
	go func() {
		defer close(t.done)
		var err error
		if perr := catch(func() { t.value, err = f() }); perr != nil {
			err = perr
		}
		t.err = err
	}()
	return t
}

// Wait blocks until the task is done and returns its error (nil, the
// function's error, or a *PanicError).
func (t *Task) Wait() error {
	<-t.done
	return t.err
}

// Fetch blocks until the task is done and returns its value and error.
func (t *Task) Fetch() (any, error) {
	<-t.done
	return t.value, t.err
}

// WaitCtx is Wait that gives up when ctx is done, returning an error that
// wraps ErrCanceled (the task itself keeps running).
func (t *Task) WaitCtx(ctx context.Context) error {
	select {
	case <-t.done:
		return t.err
	case <-ctx.Done():
		return canceledError(ctx)
	}
}

// Done returns a channel closed when the task has finished.
func (t *Task) Done() <-chan struct{} { return t.done }

// Group runs tasks and waits for all of them, like errgroup.Group or Julia's
// @sync: Wait returns the first error (a task's error or a *PanicError). The
// zero value is ready to use.
type Group struct {
	wg    sync.WaitGroup
	mu    sync.Mutex
	err   error
	limit chan struct{}
}

// NewGroup returns a Group that runs at most limit tasks at a time
// (limit <= 0: no limit).
func NewGroup(limit int) *Group {
	g := &Group{}
	if limit > 0 {
		g.limit = make(chan struct{}, limit)
	}
	return g
}

// Go starts f in a new goroutine (waiting for a free slot if the group has
// a limit).
func (g *Group) Go(f func() error) {
	checkFunc("Group.Go", "f", f == nil)
	if g.limit != nil {
		g.limit <- struct{}{}
	}
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if g.limit != nil {
			defer func() { <-g.limit }()
		}
		var err error
		if perr := catch(func() { err = f() }); perr != nil {
			err = perr
		}
		if err != nil {
			g.mu.Lock()
			if g.err == nil {
				g.err = err
			}
			g.mu.Unlock()
		}
	}()
}

// Spawn runs f like Go, for a function with no error result.
func (g *Group) Spawn(f func()) {
	checkFunc("Group.Spawn", "f", f == nil)
	g.Go(func() error { f(); return nil })
}

// Wait blocks until every task started with Go has returned, and returns
// the first error.
func (g *Group) Wait() error {
	g.wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// WaitAll waits for every task and returns the first error; it is the
// "@sync for a slice of tasks" helper.
func WaitAll(tasks ...*Task) error {
	var first error
	for _, t := range tasks {
		if err := t.Wait(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
