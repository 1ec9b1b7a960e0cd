package dist_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopar/gopar/dist"
	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp"
	"github.com/gopar/gopar/parlib"
)

// cellOutput collects a cell's output.
type cellOutput struct {
	mu      sync.Mutex
	buf     strings.Builder
	changed chan struct{} // closed and replaced at each write
}

func (o *cellOutput) Stream(_, text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.WriteString(text)
	if o.changed != nil {
		close(o.changed)
	}
	o.changed = make(chan struct{})
}

// waitFor waits until the output holds s.
func (o *cellOutput) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		o.mu.Lock()
		if o.changed == nil {
			o.changed = make(chan struct{})
		}
		ch, has := o.changed, strings.Contains(o.buf.String(), s)
		o.mu.Unlock()
		if has {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %q in the cell's output after a minute:\n%s", s, o)
		}
	}
}
func (o *cellOutput) Display(d engine.Display) {}
func (o *cellOutput) Clear(bool)               {}
func (o *cellOutput) Input(context.Context, string, bool) (string, error) {
	return "", engine.ErrNoStdin
}
func (o *cellOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// TestNotebookWithGoparWorkers is the whole story with the real pieces: a
// Go engine runs notebook cells that call dist, whose workers are real
// `gopar worker` processes (each with its own Go engine).
func TestNotebookWithGoparWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gopar")
	}
	if raceEnabled {
		t.Skip("yaegi, which runs the notebook's cells here, is not race-clean; dist's own tests are")
	}
	bin := filepath.Join(t.TempDir(), "gopar")
	build := exec.Command("go", "build", "-o", bin, "github.com/gopar/gopar")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "worker", "--help").CombinedOutput(); err != nil {
		t.Fatalf("gopar worker --help: %v\n%s", err, out)
	}
	dist.Default().Command = []string{bin, "worker"}
	defer dist.Default().Close()

	eng, err := interp.New(interp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	count := 0
	cell := func(code string) (string, string) {
		t.Helper()
		count++
		out := &cellOutput{}
		res := eng.Execute(context.Background(), engine.ExecuteRequest{Code: code, ExecutionCount: count}, out)
		if res.Err != nil {
			t.Fatalf("cell %q: %v\n%s\noutput:\n%s", code, res.Err, res.Err.String(), out)
		}
		result := ""
		if res.Result != nil {
			result, _ = res.Result.Data["text/plain"].(string)
		}
		return result, out.String()
	}

	t0 := time.Now()
	if got, _ := cell("dist.AddProcs(2)"); got != "[2 3]" {
		t.Errorf("dist.AddProcs(2) = %q, want [2 3]", got)
	}
	t.Logf("embedded server and 2 gopar workers ready in %v from the first dist call", time.Since(t0))

	cell("%%everywhere\nfunc test(n int) float64 {\n\tfmt.Println(\"test\", n)\n\treturn parlib.CholeskyTask(n, uint64(n))\n}")
	got, out := cell("res, err := dist.Pmap(\"test\", []any{50, 60, 70})\nfmt.Sprint(res, err)")
	want := fmt.Sprint([]any{parlib.CholeskyTask(50, 50), parlib.CholeskyTask(60, 60), parlib.CholeskyTask(70, 70)}, nil)
	if got != fmt.Sprintf("%q", want) {
		t.Errorf("Pmap(test) = %s, want %q", got, want)
	}
	for _, n := range []int{50, 60, 70} {
		if !strings.Contains(out, fmt.Sprintf(":\ttest %d\n", n)) || !strings.Contains(out, "From worker ") {
			t.Errorf("the workers' output lacks test %d:\n%s", n, out)
		}
	}

	// Structs declared in %%everywhere cells cross both ways.
	cell("%%everywhere\ntype P struct{ X, Y int }\nfunc swap(p P) P { return P{p.Y, p.X} }")
	if got, _ := cell("ps, err := dist.Pmap(\"swap\", []any{P{1, 2}})\nq := ps[0].(P)\nq.X*10 + q.Y"); got != "21" {
		t.Errorf("swap(P{1, 2}) → %s, want 21", got)
	}

	// Data to workers, and a compiled function called by its name.
	cell("xs := []float64{1, 2, 3.5}\nerr := dist.Broadcast(\"xs\", xs)\nif err != nil { panic(err) }")
	cell("%%everywhere\nfunc total(_ int) float64 { s := 0.0; for _, x := range xs { s += x }; return s }")
	if got, _ := cell("t, err := dist.Pmap(\"total\", []any{1, 2})\nfmt.Sprint(t, err)"); got != `"[6.5 6.5] <nil>"` {
		t.Errorf("total on the workers = %s", got)
	}
	if got, _ := cell("s, err := dist.Pmap(\"parlib.SlowSeries\", []any{dist.Args{1000, 1}})\nfmt.Sprint(s, err)"); got != fmt.Sprintf("%q", fmt.Sprint([]any{parlib.SlowSeries(1000, 1)}, nil)) {
		t.Errorf("parlib.SlowSeries on a worker = %s", got)
	}
	// A later worker gets the definitions and the data.
	cell("late := dist.AddProcs(1)[0]")
	if got, _ := cell("v, err := dist.SpawnAt(late, \"total\", 0).Fetch()\nfmt.Sprint(v, err)"); got != `"6.5 <nil>"` {
		t.Errorf("total on the late worker = %s", got)
	}

	// A panic names the worker and the input.
	cell("%%everywhere\nfunc bad(i int) int { if i == 2 { panic(\"bad input\") }; return i }")
	got, _ = cell("_, err := dist.Pmap(\"bad\", []any{1, 2, 3})\nerr.Error()")
	if !strings.Contains(got, "bad(2)") || !strings.Contains(got, "panic: bad input") || !strings.Contains(got, "worker ") {
		t.Errorf("the panic's error: %s", got)
	}

	// @distributed (+).
	cell("%%everywhere\nfunc partial(lo, hi int) float64 { s := 0.0; for k := lo; k < hi; k++ { s += 1 / float64(k) }; return s }")
	got, _ = cell("r, err := dist.Reduce(dist.Sum, \"partial\", 1, 10001)\nfmt.Sprintf(\"%.6f %v\", r, err)")
	if got != `"9.787606 <nil>"` {
		t.Errorf("Reduce = %s", got)
	}
	cell("dist.RmProcs(late)")
	if got, _ := cell("dist.Workers()"); got != "[2 3]" {
		t.Errorf("dist.Workers() after RmProcs = %s", got)
	}
	if t.Failed() {
		return
	}
	// Interrupting a cell cancels the work on the workers.
	cell("%%everywhere\nfunc nap(i int) int { fmt.Println(\"napping\", i); time.Sleep(time.Hour); return i }")
	ctx, cancel := context.WithCancel(context.Background())
	out2 := &cellOutput{}
	done := make(chan engine.ExecuteResult)
	go func() {
		done <- eng.Execute(ctx, engine.ExecuteRequest{Code: "dist.Pmap(\"nap\", []any{1, 2, 3, 4})"}, out2)
	}()
	out2.waitFor(t, "napping")
	cancel()
	if res := <-done; res.Err == nil {
		t.Errorf("an interrupted Pmap cell succeeded")
	}
	t0 = time.Now()
	if got, _ := cell("ok, err := dist.Pmap(\"total\", []any{1, 2})\nfmt.Sprint(ok, err)"); got != `"[6.5 6.5] <nil>"` {
		t.Errorf("Pmap after an interrupt = %s", got)
	}
	t.Logf("a Pmap after the interrupt took %v (the naps were cancelled, not waited for)", time.Since(t0))
}

// BenchmarkGoparWorkers measures with real `gopar worker` processes (their
// functions interpreted, or compiled parlib ones called by name), in one
// run, alternating the two sides of each ratio and keeping the best of
// several rounds:
//
//	go test -run '^$' -bench GoparWorkers -benchtime 1x ./dist/
func BenchmarkGoparWorkers(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "gopar")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/gopar/gopar").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	ctx := context.Background()
	newCluster := func(n int) (*dist.Cluster, time.Duration) {
		c := &dist.Cluster{Command: []string{bin, "worker"}}
		b.Cleanup(func() { c.Close() })
		t0 := time.Now()
		if _, err := c.AddProcs(ctx, n); err != nil {
			b.Fatal(err)
		}
		ready := time.Since(t0)
		if err := c.Everywhere(ctx, "func nop(x int) int { return x }"); err != nil {
			b.Fatal(err)
		}
		return c, ready
	}
	one, _ := newCluster(1)
	two, ready := newCluster(2)
	b.ReportMetric(float64(ready.Milliseconds()), "ms-ready-2workers")

	timed := func(f func() error) time.Duration {
		t0 := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	const n, rounds = 2000, 7
	in := make([]any, n)
	for i := range in {
		in[i] = i
	}
	pmap := func(c *dist.Cluster, fn string, in []any, bs int) func() error {
		return func() error {
			_, err := c.Pmap(ctx, fn, in, dist.Options{BatchSize: bs})
			return err
		}
	}
	chol := make([]any, 12)
	for i := range chol {
		chol[i] = dist.Args{500, i}
	}
	pmap(two, "nop", in, 1)()
	pmap(one, "parlib.CholeskyTask", chol, 1)()
	pmap(two, "parlib.CholeskyTask", chol, 1)()
	var b1, b100, c1, c2 []time.Duration
	for i := 0; i < b.N; i++ {
		for r := 0; r < rounds; r++ {
			b1 = append(b1, timed(pmap(two, "nop", in, 1))/n)
			b100 = append(b100, timed(pmap(two, "nop", in, 100))/n)
			c1 = append(c1, timed(pmap(one, "parlib.CholeskyTask", chol, 1)))
			c2 = append(c2, timed(pmap(two, "parlib.CholeskyTask", chol, 1)))
		}
	}
	slices.Sort(b1)
	b.ReportMetric(float64(b1[len(b1)/2].Nanoseconds())/1e3, "µs/task-batch1-median")
	b.ReportMetric(float64(slices.Min(b100).Nanoseconds())/1e3, "µs/task-batch100-min")
	b.ReportMetric(float64(slices.Min(b1))/float64(slices.Min(b100)), "batch1/batch100")
	b.ReportMetric(float64(slices.Min(c1))/float64(slices.Min(c2)), "cholesky-2workers/1worker")
}
