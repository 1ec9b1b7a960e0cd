package dist

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestAddProcsWorkersRmProcs(t *testing.T) {
	tc := newTestCluster(t)
	ids := tc.addProcs(t, 2)
	if !reflect.DeepEqual(ids, []int{2, 3}) {
		t.Errorf("AddProcs(2) = %v, want [2 3] (1 is the notebook, as in Julia)", ids)
	}
	more := tc.addProcs(t, 1)
	if got := tc.Workers(); !reflect.DeepEqual(got, []int{2, 3, 4}) {
		t.Errorf("Workers() = %v, want [2 3 4]", got)
	}
	// Each worker is a process of its own.
	pids, err := tc.Pmap(context.Background(), "pid", ints(30))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[any]bool{}
	for _, p := range pids {
		seen[p] = true
	}
	if seen[os.Getpid()] || len(seen) < 2 {
		t.Errorf("pids of the workers: %v (test: %d): want at least 2 processes, not this one", seen, os.Getpid())
	}

	pid := tc.pid(t, more[0])
	if err := tc.RmProcs(context.Background(), more[0], 99); err != nil {
		t.Fatal(err)
	}
	if got := tc.Workers(); !reflect.DeepEqual(got, []int{2, 3}) {
		t.Errorf("Workers() after RmProcs(4) = %v, want [2 3]", got)
	}
	// RmProcs waited for the process to end.
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("worker 4 (pid %d) still exists after RmProcs: kill 0 = %v", pid, err)
	}
	if strings.Contains(tc.errs.String(), "lost") {
		t.Errorf("a removed worker is reported lost:\n%s", tc.errs)
	}
	// The remaining workers still work.
	got, err := tc.Pmap(context.Background(), "square", ints(5))
	if err != nil || !reflect.DeepEqual(got, []any{0, 1, 4, 9, 16}) {
		t.Errorf("Pmap after RmProcs = %v, %v", got, err)
	}
}

func TestPmapOrderAndBatchSizes(t *testing.T) {
	tc := newTestCluster(t)
	tc.addProcs(t, 2)
	const n = 250
	want := make([]any, n)
	for i := range want {
		want[i] = i * i
	}
	for _, bs := range []int{0, 1, 7, 100, 1000} {
		got, err := tc.Pmap(context.Background(), "square", ints(n), Options{BatchSize: bs})
		if err != nil {
			t.Fatalf("batch %d: %v", bs, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("batch %d: results out of order or wrong: %v", bs, got)
		}
	}
	// A batch goes to one worker: with one batch for everything, one
	// process answers; with batches of 1, both do.
	for _, c := range []struct{ bs, procs int }{{20, 1}, {1, 2}} {
		pids, err := tc.Pmap(context.Background(), "pid", ints(20), Options{BatchSize: c.bs})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[any]bool{}
		for _, p := range pids {
			seen[p] = true
		}
		if len(seen) != c.procs {
			t.Errorf("batch %d: %d workers answered, want %d", c.bs, len(seen), c.procs)
		}
	}
	// No inputs: no results.
	if got, err := tc.Pmap(context.Background(), "square", nil); err != nil || len(got) != 0 {
		t.Errorf("Pmap of nothing = %v, %v", got, err)
	}
}

func TestPmapArgsAndConversions(t *testing.T) {
	tc := newTestCluster(t)
	tc.addProcs(t, 2)
	got, err := tc.Pmap(context.Background(), "add", []any{Args{1, 2}, Args{int64(3), 4.0}})
	if err != nil || !reflect.DeepEqual(got, []any{3, 7}) {
		t.Errorf("Pmap(add) = %v, %v; want [3 7]", got, err)
	}
	got, err = tc.Pmap(context.Background(), "sumall", []any{[]float64{1, 2}, []any{1.5, 2}, []int{3, 4}})
	if err != nil || !reflect.DeepEqual(got, []any{3.0, 3.5, 7.0}) {
		t.Errorf("Pmap(sumall) = %v, %v; want [3 3.5 7]", got, err)
	}
	_, err = tc.Pmap(context.Background(), "square", []any{2.5})
	var te *TaskError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "float64") {
		t.Errorf("square(2.5): %v; want a TaskError about float64", err)
	}
	_, err = tc.Pmap(context.Background(), "add", []any{1})
	if err == nil || !strings.Contains(err.Error(), "takes 2 arguments") {
		t.Errorf("add(1): %v; want an error about its arguments", err)
	}
	_, err = tc.Pmap(context.Background(), "nosuch", ints(1))
	if err == nil || !strings.Contains(err.Error(), "undefined: nosuch") {
		t.Errorf("nosuch: %v", err)
	}
}

func TestStructsCrossProcesses(t *testing.T) {
	tc := newTestCluster(t)
	tc.addProcs(t, 1)
	// A struct of another (here: unnamed) type with the same fields, as a
	// struct declared in a notebook cell arrives.
	type P struct {
		X, Y int
		Name string
	}
	got, err := tc.Pmap(context.Background(), "norm", []any{P{3, 4, "a"}, struct {
		X, Y int
		Name string
	}{1, 1, "b"}})
	if err != nil || !reflect.DeepEqual(got, []any{25, 2}) {
		t.Errorf("norm = %v, %v", got, err)
	}
	got, err = tc.Pmap(context.Background(), "mirror", []any{P{1, 2, "ab"}})
	if err != nil {
		t.Fatal(err)
	}
	back, err := Convert(got[0], reflect.TypeFor[P]())
	if err != nil || back.Interface() != (P{2, 1, "AB"}) {
		t.Errorf("mirror = %#v → %v, %v", got[0], back, err)
	}
}

func TestValuesThatCannotCross(t *testing.T) {
	tc := newTestCluster(t)
	tc.addProcs(t, 1)
	_, err := tc.Pmap(context.Background(), "echo", []any{1, make(chan int)})
	var ee *EncodeError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "chan int") || !strings.Contains(err.Error(), "input 1") {
		t.Errorf("a chan input: %v; want an EncodeError naming chan int and input 1", err)
	}
	_, err = tc.Pmap(context.Background(), "ch", ints(1))
	if err == nil || !strings.Contains(err.Error(), "chan int") || !strings.Contains(err.Error(), "worker 2") {
		t.Errorf("a chan result: %v; want an error naming chan int and the worker", err)
	}
}

func TestWorkerOutputIsPrefixed(t *testing.T) {
	tc := newTestCluster(t)
	ids := tc.addProcs(t, 2)
	if _, err := tc.Pmap(context.Background(), "say", []any{"hello\nworld", "bye"}); err != nil {
		t.Fatal(err)
	}
	// Printed before Pmap returned, each line prefixed by its worker.
	out := tc.out.String()
	for _, want := range []string{"\thello\n", "\tworld\n", "\tbye\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, fmt.Sprintf("From worker %d:\t", ids[0])) &&
			!strings.HasPrefix(l, fmt.Sprintf("From worker %d:\t", ids[1])) {
			t.Errorf("line without a worker prefix: %q", l)
		}
	}
}

func TestWorkerPanicNamesWorkerAndInput(t *testing.T) {
	tc := newTestCluster(t)
	tc.addProcs(t, 2)
	_, err := tc.Pmap(context.Background(), "boom", ints(6))
	var te *TaskError
	if !errors.As(err, &te) {
		t.Fatalf("Pmap(boom) = %v; want a *TaskError", err)
	}
	var pe *PanicError
	if te.Index != 3 || te.Input != "3" || !slices.Contains([]int{2, 3}, te.Worker) || !errors.As(err, &pe) || pe.Value != "boom at 3" {
		t.Errorf("TaskError = %+v", te)
	}
	msg := err.Error()
	for _, want := range []string{fmt.Sprintf("worker %d", te.Worker), "boom(3)", "panic: boom at 3"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	// An error result is a TaskError too; the workers live on.
	_, err = tc.Pmap(context.Background(), "fails", ints(4), Options{BatchSize: 4})
	if !errors.As(err, &te) || te.Index != 2 || !strings.Contains(err.Error(), "two is not allowed") {
		t.Errorf("Pmap(fails) = %v", err)
	}
	if got := tc.Workers(); len(got) != 2 {
		t.Errorf("workers after panics: %v", got)
	}
}

func TestEverywhereAndReplay(t *testing.T) {
	tc := newTestCluster(t)
	// Before the cluster starts: recorded for the workers to come.
	if err := tc.Everywhere(context.Background(), "print early"); err != nil {
		t.Fatal(err)
	}
	ids := tc.addProcs(t, 2)
	tc.out.waitFor(t, "\tearly\n", 2)
	if err := tc.Everywhere(context.Background(), "print hello"); err != nil {
		t.Fatal(err)
	}
	// Everywhere returned after every worker ran the cell.
	for _, id := range ids {
		if want := fmt.Sprintf("From worker %d:\thello\n", id); !strings.Contains(tc.out.String(), want) {
			t.Errorf("no %q in\n%s", want, tc.out)
		}
	}
	err := tc.Everywhere(context.Background(), "fail bad cell")
	if err == nil || !strings.Contains(err.Error(), "worker 2: bad cell") || !strings.Contains(err.Error(), "worker 3: bad cell") {
		t.Errorf("a failing cell: %v", err)
	}
	// A later worker gets the same cells, in order.
	late := tc.addProcs(t, 1)[0]
	f := tc.SpawnAt(late, "execs")
	got, err := f.FetchContext(context.Background())
	want := []string{"print early", "print hello", "fail bad cell"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("cells replayed on worker %d: %v, %v; want %v", late, got, err, want)
	}
}

func TestBroadcast(t *testing.T) {
	tc := newTestCluster(t)
	ids := tc.addProcs(t, 2)
	x := []float64{1.9367694818080448, -0.5, 2}
	if err := tc.Broadcast(context.Background(), "x", x); err != nil {
		t.Fatal(err)
	}
	if err := tc.Broadcast(context.Background(), "m", map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, tc.addProcs(t, 1)...)
	for _, id := range ids {
		got, err := tc.SpawnAt(id, "get", "x").FetchContext(context.Background())
		if err != nil || !reflect.DeepEqual(got, x) {
			t.Errorf("x on worker %d = %#v, %v", id, got, err)
		}
		got, err = tc.SpawnAt(id, "get", "m").FetchContext(context.Background())
		if err != nil || !reflect.DeepEqual(got, map[string]int{"a": 1}) {
			t.Errorf("m on worker %d = %#v, %v", id, got, err)
		}
	}
	if err := tc.Broadcast(context.Background(), "c", make(chan int)); err == nil || !strings.Contains(err.Error(), "chan int") {
		t.Errorf("Broadcast of a chan: %v", err)
	}
	if err := tc.Broadcast(context.Background(), "not a name", 1); err == nil {
		t.Errorf("Broadcast to a bad name: no error")
	}
}

func TestReduce(t *testing.T) {
	tc := newTestCluster(t)
	tc.addProcs(t, 2)
	const lo, hi = 1, 100_001
	want := partialHarmonic(lo, hi)
	for _, bs := range []int{0, 999, 100_000} {
		got, err := tc.Reduce(context.Background(), Sum, "partial", lo, hi, Options{BatchSize: bs})
		if err != nil {
			t.Fatalf("batch %d: %v", bs, err)
		}
		if f, ok := got.(float64); !ok || math.Abs(f-want) > 1e-9 {
			t.Errorf("batch %d: Reduce = %v, want %v", bs, got, want)
		}
	}
	if _, err := tc.Reduce(context.Background(), Sum, "partial", 5, 5); err == nil {
		t.Errorf("Reduce over an empty range: no error")
	}
}

func TestSum(t *testing.T) {
	for _, c := range []struct{ a, b, want any }{
		{1, 2, 3}, {1.5, 2.0, 3.5}, {int64(2), int64(3), int64(5)}, {1, 0.5, 1.5}, {"a", "b", "ab"}, {nil, 4, 4},
	} {
		if got := Sum(c.a, c.b); got != c.want {
			t.Errorf("Sum(%v, %v) = %#v, want %#v", c.a, c.b, got, c.want)
		}
	}
}

func TestSpawnAt(t *testing.T) {
	tc := newTestCluster(t)
	ids := tc.addProcs(t, 2)
	f := tc.SpawnAt(ids[1], "add", 2, 3)
	if v, err := f.FetchContext(context.Background()); err != nil || v != 5 || !f.Ready() {
		t.Errorf("SpawnAt add = %v, %v (ready %v)", v, err, f.Ready())
	}
	for _, id := range ids {
		v, err := tc.SpawnAt(id, "pid", nil).FetchContext(context.Background())
		if err != nil || v != tc.pid(t, id) {
			t.Errorf("SpawnAt(%d, pid) = %v, %v; want %d", id, v, err, tc.pid(t, id))
		}
	}
	if _, err := tc.SpawnAt(Any, "square", 7).FetchContext(context.Background()); err != nil {
		t.Errorf("SpawnAt(Any): %v", err)
	}
	if _, err := tc.SpawnAt(42, "square", 7).FetchContext(context.Background()); err == nil || !strings.Contains(err.Error(), "no worker 42") {
		t.Errorf("SpawnAt(42): %v", err)
	}
	err := tc.SpawnAt(ids[0], "boom", 3).Wait()
	var te *TaskError
	if !errors.As(err, &te) || te.Worker != ids[0] {
		t.Errorf("SpawnAt boom: %v", err)
	}
}

func TestWorkerKilledMidRunLosesNothing(t *testing.T) {
	tc := newTestCluster(t)
	ids := tc.addProcs(t, 2)
	victim := ids[0]
	pid := tc.pid(t, victim)
	const n = 60
	done := make(chan struct{})
	var got []any
	var err error
	go func() {
		defer close(done)
		got, err = tc.Pmap(context.Background(), "slow", ints(n))
	}()
	// Once the victim is at work, kill it.
	tc.out.waitFor(t, fmt.Sprintf("From worker %d:\tstart", victim), 3)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	if err != nil {
		t.Fatalf("Pmap with a killed worker: %v", err)
	}
	for i, v := range got {
		if v != i*10 {
			t.Fatalf("result %d = %v, want %d (all: %v)", i, v, i*10, got)
		}
	}
	if want := fmt.Sprintf("worker %d was lost (signal: killed)", victim); !strings.Contains(tc.errs.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, tc.errs)
	}
	if got := tc.Workers(); !reflect.DeepEqual(got, ids[1:]) {
		t.Errorf("Workers() = %v, want %v", got, ids[1:])
	}
}

func TestInterruptCancelsRemoteWork(t *testing.T) {
	tc := newTestCluster(t)
	tc.addProcs(t, 2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := tc.Pmap(ctx, "block", ints(6))
		done <- err
	}()
	// Both workers run a task (and hold another): interrupt.
	tc.out.waitFor(t, "blocking", 2)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Pmap after cancel: %v, want context.Canceled", err)
	}
	// The running tasks were cancelled on both workers…
	tc.out.waitFor(t, "cancelled", 2)
	// …and the queued ones dropped: the workers are free for new work.
	got, err := tc.Pmap(context.Background(), "square", ints(4))
	if err != nil || !reflect.DeepEqual(got, []any{0, 1, 4, 9}) {
		t.Errorf("Pmap after the interrupt = %v, %v", got, err)
	}
	if n := strings.Count(tc.out.String(), "blocking"); n != 2 {
		t.Errorf("%d tasks of the interrupted Pmap started, want 2 (the queued ones must be dropped):\n%s", n, tc.out)
	}
}

// TestStuckWorkerGetsNoWork: a worker whose cancelled call goes on running
// gets no new work, and the notebook hears of it.
func TestStuckWorkerGetsNoWork(t *testing.T) {
	tc := newTestCluster(t)
	tc.LostAfter = 500 * time.Millisecond // the note comes after LostAfter
	ids := tc.addProcs(t, 2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := tc.Pmap(ctx, "stubborn", ints(1))
		done <- err
	}()
	tc.out.waitFor(t, "stubborn 0", 1)
	cancel()
	<-done
	stuck := ids[0]
	if strings.Contains(tc.out.String(), fmt.Sprintf("From worker %d:", ids[1])) {
		stuck = ids[1]
	}
	pids, err := tc.Pmap(context.Background(), "pid", ints(20))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pids {
		if p == tc.pid(t, stuck) {
			t.Fatalf("the stuck worker %d got work", stuck)
		}
	}
	tc.errs.waitFor(t, fmt.Sprintf("worker %d is still running an interrupted call", stuck), 1)
}

// TestCrashingCallFails: a call that kills its worker is not handed from
// worker to worker forever: after a few deaths the Pmap fails, naming the
// input and the crash.
func TestCrashingCallFails(t *testing.T) {
	tc := newTestCluster(t)
	tc.addProcs(t, 4)
	_, err := tc.Pmap(context.Background(), "crash", ints(3))
	var te *TaskError
	if !errors.As(err, &te) || te.Index != 1 || !strings.Contains(err.Error(), "fatal error: crash on purpose") {
		t.Fatalf("Pmap(crash) = %v", err)
	}
	if n := len(tc.Workers()); n != 4-maxLosses {
		t.Errorf("%d workers left, want %d", n, 4-maxLosses)
	}
}

func TestNoWorkers(t *testing.T) {
	tc := newTestCluster(t)
	_, err := tc.Pmap(context.Background(), "square", ints(3))
	if !errors.Is(err, errNoWorkers) {
		t.Errorf("Pmap without workers: %v", err)
	}
	tc.AutoProcs = 2
	got, err := tc.Pmap(context.Background(), "square", ints(3))
	if err != nil || !reflect.DeepEqual(got, []any{0, 1, 4}) || len(tc.Workers()) != 2 {
		t.Errorf("Pmap with AutoProcs = %v, %v (workers %v)", got, err, tc.Workers())
	}
}
