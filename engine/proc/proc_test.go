//go:build unix

package proc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
)

// toyPath is the toy child (testdata/toychild), built by TestMain.
var toyPath string

// helperEnv makes the test binary a kernel-like helper process that runs
// the toy child named by the variable (see TestChildDiesWithKernel).
const helperEnv = "PROC_TEST_HELPER_TOY"

func TestMain(m *testing.M) {
	if toy := os.Getenv(helperEnv); toy != "" {
		helperKernel(toy)
		return
	}
	dir, err := os.MkdirTemp("", "proc-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	toyPath = filepath.Join(dir, "toychild")
	gocmd, err := exec.LookPath("go")
	if err != nil {
		gocmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.Command(gocmd, "build", "-o", toyPath, "./testdata/toychild")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the toy child:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// waitLimit bounds every wait of these tests; reaching it is a failure.
const waitLimit = 20 * time.Second

// recorder is an engine.Output that keeps everything.
type recorder struct {
	mu       sync.Mutex
	stdout   strings.Builder
	stderr   strings.Builder
	displays []engine.Display
	clears   []bool
	prompts  []string
	answer   func(ctx context.Context, prompt string) (string, error)
	changed  chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{}, 1)} }

func (r *recorder) poke() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) Stream(name, text string) {
	r.mu.Lock()
	if name == "stderr" {
		r.stderr.WriteString(text)
	} else {
		r.stdout.WriteString(text)
	}
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) Display(d engine.Display) {
	r.mu.Lock()
	r.displays = append(r.displays, d)
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) Clear(wait bool) {
	r.mu.Lock()
	r.clears = append(r.clears, wait)
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) Input(ctx context.Context, prompt string, password bool) (string, error) {
	r.mu.Lock()
	r.prompts = append(r.prompts, prompt)
	answer := r.answer
	r.mu.Unlock()
	r.poke()
	if answer == nil {
		return "", engine.ErrNoStdin
	}
	return answer(ctx, prompt)
}

func (r *recorder) out() (stdout, stderr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stdout.String(), r.stderr.String()
}

// waitFor waits until cond holds (checked after each output).
func (r *recorder) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	limit := time.NewTimer(waitLimit)
	defer limit.Stop()
	for {
		r.mu.Lock()
		ok := cond()
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.changed:
		case <-limit.C:
			t.Fatalf("no %s after %v", what, waitLimit)
		}
	}
}

func (r *recorder) waitStdout(t *testing.T, s string) {
	t.Helper()
	r.waitFor(t, "stdout "+strconv.Quote(s), func() bool { return strings.Contains(r.stdout.String(), s) })
}

// logRecorder is the supervisor's Log.
type logRecorder struct {
	t       *testing.T
	mu      sync.Mutex
	text    strings.Builder
	changed chan struct{}
}

func (l *logRecorder) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.text.Write(p)
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (l *logRecorder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.String()
}

func (l *logRecorder) waitFor(t *testing.T, s string) {
	t.Helper()
	limit := time.NewTimer(waitLimit)
	defer limit.Stop()
	for !strings.Contains(l.String(), s) {
		select {
		case <-l.changed:
		case <-limit.C:
			t.Fatalf("log has no %q after %v; log:\n%s", s, waitLimit, l.String())
		}
	}
}

type readyEvent struct {
	pid int
	r   *restart
}

// fixture is an Engine running the toy child.
type fixture struct {
	e     *Engine
	log   *logRecorder
	ready chan readyEvent
}

// start starts an Engine on the toy child, with cfg changed by mod, and
// waits for its child to be ready.
func start(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	f := &fixture{log: &logRecorder{t: t, changed: make(chan struct{}, 1)}, ready: make(chan readyEvent, 100)}
	cfg := Config{
		Command:        []string{toyPath},
		Log:            f.log,
		Info:           engine.Info{Implementation: "toy-static"},
		InterruptGrace: 2 * time.Second,
		hooks:          &hooks{ready: func(pid int, r *restart) { f.ready <- readyEvent{pid, r} }},
	}
	if mod != nil {
		mod(&cfg)
	}
	f.e = Start(cfg)
	t.Cleanup(func() {
		f.e.Close()
		if t.Failed() {
			t.Logf("supervisor log:\n%s", f.log.String())
		}
	})
	if ev := f.waitReady(t); ev.r != nil {
		t.Fatalf("first start reported a restart: %+v", ev.r)
	}
	return f
}

// waitReady waits for the next child to be ready.
func (f *fixture) waitReady(t *testing.T) readyEvent {
	t.Helper()
	limit := time.NewTimer(waitLimit)
	defer limit.Stop()
	select {
	case ev := <-f.ready:
		return ev
	case <-limit.C:
		t.Fatalf("no child ready after %v", waitLimit)
	}
	panic("unreachable")
}

// noRestart checks that no child became ready since the last waitReady.
func (f *fixture) noRestart(t *testing.T) {
	t.Helper()
	select {
	case ev := <-f.ready:
		t.Errorf("unexpected restart: child %d ready", ev.pid)
	default:
	}
}

// run executes code as cell In [count].
func (f *fixture) run(ctx context.Context, count int, code string) (engine.ExecuteResult, *recorder) {
	rec := newRecorder()
	res := f.e.Execute(ctx, engine.ExecuteRequest{Code: code, ExecutionCount: count, AllowStdin: true, StoreHistory: true}, rec)
	return res, rec
}

// executeAsync starts executing req with rec: cancel interrupts it, and
// its result comes on done.
func (f *fixture) executeAsync(req engine.ExecuteRequest, rec *recorder) (cancel context.CancelFunc, done <-chan engine.ExecuteResult) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan engine.ExecuteResult, 1)
	go func() {
		ch <- f.e.Execute(ctx, req, rec)
	}()
	return cancel, ch
}

// mustRun executes code and fails the test if the cell fails.
func (f *fixture) mustRun(t *testing.T, count int, code string) *recorder {
	t.Helper()
	res, rec := f.run(context.Background(), count, code)
	if res.Err != nil {
		t.Fatalf("In [%d] %q failed: %s", count, code, res.Err.String())
	}
	return rec
}

// wantCrash checks that res failed with EngineCrashed and the value, and
// that its traceback holds each of parts.
func wantCrash(t *testing.T, res engine.ExecuteResult, value string, parts ...string) {
	t.Helper()
	if res.Err == nil {
		t.Fatalf("cell succeeded, want an %s error", engine.EngineCrashed)
	}
	if res.Err.Kind != engine.EngineCrashed || res.Err.Value != value {
		t.Fatalf("error %s: %q, want %s: %q\n%s", res.Err.Kind, res.Err.Value, engine.EngineCrashed, value, res.Err.String())
	}
	tb := res.Err.String()
	for _, p := range parts {
		if !strings.Contains(tb, p) {
			t.Errorf("traceback lacks %q:\n%s", p, tb)
		}
	}
}

func TestOutputsCross(t *testing.T) {
	f := start(t, nil)
	if got := f.e.Info().Implementation; got != "toy-static" {
		t.Errorf("Info().Implementation = %q, want the static toy-static", got)
	}
	rec := newRecorder()
	rec.answer = func(ctx context.Context, prompt string) (string, error) { return "Ada", nil }
	res := f.e.Execute(context.Background(), engine.ExecuteRequest{
		Code: "print hello\neprint warn\ndisplay pic\nclear\ninput name?\ndef f\nvar x 1", ExecutionCount: 1, AllowStdin: true}, rec)
	if res.Err != nil {
		t.Fatal(res.Err.String())
	}
	stdout, stderr := rec.out()
	if stdout != "hello\ngot Ada\n" || stderr != "warn\n" {
		t.Errorf("stdout %q, stderr %q; want %q, %q", stdout, stderr, "hello\ngot Ada\n", "warn\n")
	}
	if len(rec.displays) != 1 {
		t.Fatalf("%d displays, want 1", len(rec.displays))
	}
	d := rec.displays[0]
	if d.Data["text/plain"] != "pic" || d.ID != "d1" || d.Update {
		t.Errorf("display = %+v, want text/plain pic, ID d1", d)
	}
	if n := d.Data["application/json"].(map[string]any)["n"]; n != json.Number("12345678901234567") {
		t.Errorf("JSON number = %#v, want json.Number 12345678901234567 (exact)", n)
	}
	if !slices.Equal(rec.clears, []bool{true}) || !slices.Equal(rec.prompts, []string{"name?"}) {
		t.Errorf("clears %v, prompts %q; want [true], [name?]", rec.clears, rec.prompts)
	}
	if res.Restore != "def f\nvar x" || !slices.Equal(res.Variables, []string{"x"}) {
		t.Errorf("Restore %q, Variables %q; want %q, [x]", res.Restore, res.Variables, "def f\nvar x")
	}
}

func TestInputWithoutStdin(t *testing.T) {
	f := start(t, nil)
	rec := f.mustRun(t, 1, "input name?") // the recorder answers ErrNoStdin
	if stdout, _ := rec.out(); stdout != "input error: nostdin\n" {
		t.Errorf("stdout %q: engine.ErrNoStdin did not cross as itself", stdout)
	}
}

func TestInterruptWhileInput(t *testing.T) {
	f := start(t, nil)
	pid := f.e.PID()
	rec := newRecorder()
	inputEnded := make(chan error, 1)
	rec.answer = func(ictx context.Context, prompt string) (string, error) {
		<-ictx.Done()
		inputEnded <- ictx.Err()
		return "", ictx.Err()
	}
	cancel, done := f.executeAsync(engine.ExecuteRequest{Code: "input name?", ExecutionCount: 1, AllowStdin: true}, rec)
	rec.waitFor(t, "input request", func() bool { return len(rec.prompts) == 1 })
	cancel()
	res := <-done
	if res.Err == nil || res.Err.Kind != engine.Interrupt || res.Err.Value != "interrupted while waiting for input" {
		t.Fatalf("result error %v, want the child's Interrupt", res.Err)
	}
	if err := <-inputEnded; !errors.Is(err, context.Canceled) {
		t.Errorf("Output.Input's context ended with %v, want context.Canceled", err)
	}
	if f.e.PID() != pid {
		t.Errorf("child %d replaced by %d after an interrupt it obeyed", pid, f.e.PID())
	}
	f.noRestart(t)
}

func TestInterruptBlockingCell(t *testing.T) {
	f := start(t, nil)
	pid := f.e.PID()
	rec := newRecorder()
	cancel, done := f.executeAsync(engine.ExecuteRequest{Code: "print started\nblock", ExecutionCount: 1}, rec)
	rec.waitStdout(t, "started")
	t0 := time.Now()
	cancel()
	res := <-done
	took := time.Since(t0)
	if res.Err == nil || res.Err.Kind != engine.Interrupt || res.Err.Value != "interrupted" {
		t.Fatalf("result error %v, want the child's Interrupt: interrupted", res.Err)
	}
	if f.e.PID() != pid {
		t.Errorf("child %d replaced by %d after an interrupt it obeyed", pid, f.e.PID())
	}
	f.noRestart(t)
	f.mustRun(t, 2, "print still here")
	t.Logf("interrupt to reply: %v", took)
}

// TestInterruptIdle checks that Engine.InterruptIdle reaches the child's
// engine before the next cell when no cell runs, and not while one runs.
func TestInterruptIdle(t *testing.T) {
	f := start(t, nil)
	f.e.InterruptIdle()
	f.e.InterruptIdle()
	if stdout, _ := f.mustRun(t, 1, "idles").out(); stdout != "2\n" {
		t.Errorf("after two idle interrupts the engine counted %q, want 2", stdout)
	}
	rec := newRecorder()
	cancel, done := f.executeAsync(engine.ExecuteRequest{Code: "print blocking\nblock", ExecutionCount: 2}, rec)
	rec.waitStdout(t, "blocking\n")
	f.e.InterruptIdle() // a cell runs: not for the engine's InterruptIdle
	cancel()
	if res := <-done; res.Err == nil || res.Err.Kind != engine.Interrupt {
		t.Fatalf("the blocking cell: %v, want an Interrupt", res.Err)
	}
	if stdout, _ := f.mustRun(t, 3, "idles").out(); stdout != "2\n" {
		t.Errorf("an idle interrupt while a cell ran reached the engine: it counted %q, want 2", stdout)
	}
	f.noRestart(t)
}

func TestInterruptHangingCellRestarts(t *testing.T) {
	const grace = 300 * time.Millisecond
	f := start(t, func(c *Config) { c.InterruptGrace = grace })
	f.mustRun(t, 1, "def f")
	f.mustRun(t, 2, "var x 7")
	pid := f.e.PID()
	rec := newRecorder()
	cancel, done := f.executeAsync(engine.ExecuteRequest{Code: "print started\nhang", ExecutionCount: 3}, rec)
	rec.waitStdout(t, "started")
	t0 := time.Now()
	cancel()
	res := <-done
	took := time.Since(t0)
	wantCrash(t, res, "the engine did not stop within 300ms after the interrupt and was restarted",
		fmt.Sprintf("The engine process (pid %d) died while running In [3] line 2.", pid),
		"definitions from In [1], In [2] were restored; these variables were lost: x (they are declared again with zero values).")
	if took < grace {
		t.Errorf("Execute returned %v after the interrupt, before the grace period of %v", took, grace)
	}
	ev := f.waitReady(t)
	if ev.pid == pid || f.e.PID() != ev.pid {
		t.Errorf("child after the restart is %d (PID() %d), want a new one (old %d)", ev.pid, f.e.PID(), pid)
	}
	if stdout, _ := f.mustRun(t, 4, "defs\nshow x").out(); stdout != "f@1,silent\nx=\n" {
		t.Errorf("after the restart, defs and x: %q, want %q", stdout, "f@1,silent\nx=\n")
	}
	t.Logf("interrupt to reply (grace %v, restart, replay): %v; death to ready: %v", grace, took, ev.r.took)
}

func TestFatalErrorRestoresDefinitions(t *testing.T) {
	f := start(t, nil)
	f.mustRun(t, 1, "def f")
	f.mustRun(t, 2, "var x 42\nvar z 1")
	if res, _ := f.run(context.Background(), 3, "var y 1\nfail"); res.Err == nil {
		t.Fatal("In [3] did not fail")
	}
	f.mustRun(t, 4, "print nothing defined")
	pid := f.e.PID()
	t0 := time.Now()
	res, rec := f.run(context.Background(), 5, "print before\nfatal")
	took := time.Since(t0)
	wantCrash(t, res, "fatal error: concurrent map writes",
		fmt.Sprintf("The engine process (pid %d) died while running In [5] line 2.", pid),
		"The engine was restarted: definitions from In [1], In [2], In [3] were restored; these variables were lost: x, z, y (they are declared again with zero values).")
	if stdout, _ := rec.out(); stdout != "before\n" {
		t.Errorf("output before the crash: %q, want %q", stdout, "before\n")
	}
	ev := f.waitReady(t)
	if ev.pid == pid || !slices.Equal(ev.r.restored, []int{1, 2, 3}) {
		t.Errorf("restart: child %d (old %d), restored %v; want a new child, [1 2 3]", ev.pid, pid, ev.r.restored)
	}
	// The replay ran silently with the original execution counts.
	if stdout, _ := f.mustRun(t, 6, "defs\nshow x").out(); stdout != "f@1,silent\nx=\n" {
		t.Errorf("after the restart, defs and x: %q, want %q", stdout, "f@1,silent\nx=\n")
	}
	// What the failed cell defined before it failed stayed in the engine,
	// so it is back too (a variable with its zero value).
	if stdout, _ := f.mustRun(t, 7, "show y").out(); stdout != "y=\n" {
		t.Errorf("show y after the restart: %q, want y=", stdout)
	}
	f.log.waitFor(t, fmt.Sprintf("engine process %d died while running In [5] line 2: fatal error: concurrent map writes", pid))
	t.Logf("crash cell to reply: %v; death to ready (restart and replay of 3 cells): %v", took, ev.r.took)
}

func TestReadyCalledAtStartAndRestart(t *testing.T) {
	ready := make(chan int, 10)
	f := start(t, func(c *Config) { c.Ready = func(pid int) { ready <- pid } })
	wantReady := func(want int) {
		t.Helper()
		select {
		case pid := <-ready:
			if pid != want {
				t.Errorf("Ready(%d), want the ready child's pid %d", pid, want)
			}
		case <-time.After(waitLimit):
			t.Fatal("Ready not called")
		}
	}
	wantReady(f.e.PID())
	f.mustRun(t, 1, "def f")
	if res, _ := f.run(context.Background(), 2, "fatal"); res.Err == nil || res.Err.Kind != engine.EngineCrashed {
		t.Fatalf("fatal: %v, want an EngineCrashed error", res.Err)
	}
	ev := f.waitReady(t)
	wantReady(ev.pid)
	select {
	case pid := <-ready:
		t.Errorf("Ready(%d) called again without a restart", pid)
	default:
	}
}

func TestStackOverflow(t *testing.T) {
	f := start(t, func(c *Config) { c.MemLimit = -1 })
	res, _ := f.run(context.Background(), 1, "stackoverflow")
	wantCrash(t, res, "runtime: goroutine stack exceeds 268435456-byte limit",
		"fatal error: stack overflow", "died while running In [1] line 1.")
	if strings.Contains(res.Err.String(), "runtime: sp=") {
		t.Errorf("traceback shows stack addresses:\n%s", res.Err.String())
	}
	f.waitReady(t)
}

func TestMemoryLimit(t *testing.T) {
	f := start(t, func(c *Config) { c.MemLimit = 64 << 20 })
	res, _ := f.run(context.Background(), 1, "alloc 2048")
	if res.Err == nil {
		t.Fatal("allocating 2 GB under a 64 MB limit succeeded")
	}
	re := regexp.MustCompile(`^gopar: out of memory: the engine used \d+\.\d MB, over its limit of 64\.0 MB \(change it with %memlimit\)$`)
	if res.Err.Kind != engine.EngineCrashed || !re.MatchString(res.Err.Value) {
		t.Fatalf("error %s: %q, want EngineCrashed: the watchdog's line", res.Err.Kind, res.Err.Value)
	}
	f.waitReady(t)
	f.mustRun(t, 2, "print alive")
}

func TestExitAndSignal(t *testing.T) {
	f := start(t, nil)
	res, _ := f.run(context.Background(), 1, "exit 3")
	wantCrash(t, res, "exited with status 3", "died while running In [1] line 1.",
		"The engine was restarted; no earlier cell had definitions to restore.")
	f.waitReady(t)
	res, _ = f.run(context.Background(), 2, "selfkill")
	wantCrash(t, res, "killed by signal 9", "often the system's out-of-memory killer")
	f.waitReady(t)
}

func TestDeathWhileIdle(t *testing.T) {
	f := start(t, nil)
	f.mustRun(t, 1, "var x 1")
	pid := f.e.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	f.waitReady(t)
	rec := f.mustRun(t, 2, "print after")
	stdout, stderr := rec.out()
	want := fmt.Sprintf("gopar: the engine process (pid %d) died while no cell was running: killed by signal 9\n", pid)
	if !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "definitions from In [1] were restored; these variables were lost: x") {
		t.Errorf("stderr of the next cell:\n%s\nwant it to start with\n%s", stderr, want)
	}
	if stdout != "after\n" {
		t.Errorf("stdout %q, want %q", stdout, "after\n")
	}
	if _, stderr := f.mustRun(t, 3, "print again").out(); stderr != "" {
		t.Errorf("the note was repeated: %q", stderr)
	}
}

func TestBackgroundOutputGoesToLatestCell(t *testing.T) {
	f := start(t, nil)
	rec1 := f.mustRun(t, 1, "bgprint late")
	if status, _ := f.e.IsComplete("release"); status != engine.Complete {
		t.Fatalf("IsComplete(release) = %q", status)
	}
	rec1.waitStdout(t, "late\n") // printed while no cell runs
	rec2 := f.mustRun(t, 2, "print now")
	if stdout, _ := rec2.out(); stdout != "now\n" {
		t.Errorf("In [2] stdout %q, want %q", stdout, "now\n")
	}
	if stdout, _ := rec1.out(); stdout != "late\n" {
		t.Errorf("In [1] stdout %q, want %q", stdout, "late\n")
	}
}

func TestQueries(t *testing.T) {
	f := start(t, nil)
	c := f.e.Complete("fo", 2)
	if !slices.Equal(c.Matches, []string{"fo_done"}) || c.CursorStart != 0 || c.CursorEnd != 2 {
		t.Errorf("Complete = %+v", c)
	}
	in := f.e.Inspect("x", 1, 1)
	if !in.Found || in.Data["text/plain"] != "inspect x 1 1" {
		t.Errorf("Inspect = %+v", in)
	}
	if status, indent := f.e.IsComplete("open {"); status != engine.Incomplete || indent != "  " {
		t.Errorf("IsComplete = %q, %q; want incomplete, two spaces", status, indent)
	}
	f.e.Close()
	if c := f.e.Complete("fo", 2); c.Matches != nil || c.CursorStart != 2 || c.CursorEnd != 2 {
		t.Errorf("Complete after Close = %+v, want empty at the cursor", c)
	}
	if status, _ := f.e.IsComplete("x"); status != engine.Unknown {
		t.Errorf("IsComplete after Close = %q, want unknown", status)
	}
	if res, _ := f.run(context.Background(), 1, "print x"); res.Err == nil || res.Err.Kind != engine.EngineClosed {
		t.Errorf("Execute after Close: %v, want EngineClosed", res.Err)
	}
}

func TestPanicInEngine(t *testing.T) {
	f := start(t, nil)
	pid := f.e.PID()
	res, _ := f.run(context.Background(), 1, "panic")
	if res.Err == nil || res.Err.Kind != engine.InternalError || res.Err.Value != "the engine panicked: toy panic" {
		t.Fatalf("error %v, want InternalError: the engine panicked: toy panic", res.Err)
	}
	if f.e.PID() != pid {
		t.Error("the child was replaced after a recovered panic")
	}
}

func TestChildOwnProcessGroup(t *testing.T) {
	f := start(t, nil)
	pid := f.e.PID()
	pgid, err := syscall.Getpgid(pid)
	if err != nil {
		t.Fatal(err)
	}
	if pgid != pid || pgid == syscall.Getpgrp() {
		t.Errorf("child %d is in process group %d (the test's is %d), want its own", pid, pgid, syscall.Getpgrp())
	}
}

func TestChildFileDescriptorsGoToLog(t *testing.T) {
	f := start(t, nil)
	f.mustRun(t, 1, "fd2 hello on fd 2\nfd1 hello on fd 1")
	f.log.waitFor(t, "engine stderr: hello on fd 2\n")
	f.log.waitFor(t, "engine stdout: hello on fd 1\n")
}

func TestStartFailure(t *testing.T) {
	f := &fixture{log: &logRecorder{changed: make(chan struct{}, 1)}}
	e := Start(Config{Command: []string{"/bin/sh", "-c", "echo cannot start: broken >&2; exit 1"}, Log: f.log,
		Info: engine.Info{Implementation: "static"}})
	defer e.Close()
	if e.Info().Implementation != "static" {
		t.Error("Info did not answer from the config")
	}
	res := e.Execute(context.Background(), engine.ExecuteRequest{Code: "print x"}, newRecorder())
	if res.Err == nil || res.Err.Kind != engine.EngineCrashed || res.Err.Value != "the engine could not start: exited with status 1: cannot start: broken" {
		t.Fatalf("error %v, want EngineCrashed: the engine could not start: exited with status 1: cannot start: broken", res.Err)
	}
	f.log.waitFor(t, "engine stderr: cannot start: broken")
}

func TestExecuteWaitsForStart(t *testing.T) {
	// Execute called at once after Start runs the cell on the child.
	e := Start(Config{Command: []string{toyPath}})
	defer e.Close()
	rec := newRecorder()
	res := e.Execute(context.Background(), engine.ExecuteRequest{Code: "print first"}, rec)
	if stdout, _ := rec.out(); res.Err != nil || stdout != "first\n" {
		t.Errorf("first cell: %v, %q", res.Err, stdout)
	}
}

// BenchmarkLocate measures Child.Locate with a location that changes at
// every call (one write each).
func BenchmarkLocate(b *testing.B) {
	pc, cf, err := socketPair()
	if err != nil {
		b.Fatal(err)
	}
	defer pc.Close()
	cc, err := netFileConn(cf)
	if err != nil {
		b.Fatal(err)
	}
	ch := newChild(cc)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		buf := make([]byte, 64<<10)
		for {
			if _, err := pc.Read(buf); err != nil {
				return
			}
		}
	}()
	where := []string{"In [3] line 7", "In [3] line 8"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ch.Locate(where[i&1])
	}
	cc.Close()
	<-drained
}

// netFileConn turns a socket file into a net.Conn (closing the file).
func netFileConn(f *os.File) (net.Conn, error) {
	defer f.Close()
	return net.FileConn(f)
}

func TestReplayFailuresAreDropped(t *testing.T) {
	f := start(t, nil)
	f.mustRun(t, 1, "def a")
	f.mustRun(t, 2, "restore fatal") // its replay kills the new child
	f.mustRun(t, 3, "restore fail")  // its replay fails
	f.mustRun(t, 4, "def b")
	res, _ := f.run(context.Background(), 5, "exit 1")
	wantCrash(t, res, "exited with status 1",
		"The engine was restarted: definitions from In [1], In [4] were restored.",
		"In [2] could not be restored: fatal error: concurrent map writes; its definitions are gone.",
		"In [3] could not be restored: Error: failed on purpose")
	ev := f.waitReady(t)
	if !slices.Equal(ev.r.restored, []int{1, 4}) || len(ev.r.failures) != 2 {
		t.Errorf("restart restored %v with failures %q; want [1 4] and two", ev.r.restored, ev.r.failures)
	}
	if stdout, _ := f.mustRun(t, 6, "defs").out(); stdout != "a@1,silent b@4,silent\n" {
		t.Errorf("defs after the restart: %q", stdout)
	}
	// The cells that could not be restored are no longer replayed.
	res, _ = f.run(context.Background(), 7, "exit 1")
	wantCrash(t, res, "exited with status 1", "The engine was restarted: definitions from In [1], In [4] were restored.")
	if strings.Contains(res.Err.String(), "could not be restored") {
		t.Errorf("dropped cells were replayed again:\n%s", res.Err.String())
	}
	f.waitReady(t)
}

func TestQueriesAcrossRestart(t *testing.T) {
	f := start(t, nil)
	pid := f.e.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Whether it reaches the dying child or waits for the next one, the
	// query is answered.
	if c := f.e.Complete("fo", 2); !slices.Equal(c.Matches, []string{"fo_done"}) {
		t.Errorf("Complete during a restart = %+v, want the child's answer", c)
	}
	f.waitReady(t)
	if status, _ := f.e.IsComplete("open {"); status != engine.Incomplete {
		t.Errorf("IsComplete after the restart = %q", status)
	}
}

// helperKernel starts an Engine on toy (which then does not exit by itself
// when the connection ends), prints the child's pid once it is ready, and
// waits to be killed.
func helperKernel(toy string) {
	e := Start(Config{Command: []string{toy}, Env: append(os.Environ(), "TOY_STAY=1")})
	rec := newRecorder()
	if res := e.Execute(context.Background(), engine.ExecuteRequest{Code: "pid"}, rec); res.Err != nil {
		fmt.Println("error:", res.Err)
		os.Exit(1)
	}
	stdout, _ := rec.out()
	fmt.Print(stdout)
	<-make(chan struct{})
}

func TestServeReturnsWhenKernelGone(t *testing.T) {
	pc, cf, err := socketPair()
	if err != nil {
		t.Fatal(err)
	}
	cc, err := netFileConn(cf)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	served := make(chan error, 1)
	go func() { served <- newChild(cc).Serve(discardEngine{}) }()
	// Read the hello, then hang up, as a dying kernel does.
	if m, err := newConn(pc).recv(); err != nil || m.Op != opHello || m.PID != os.Getpid() || m.Version != protocolVersion {
		t.Fatalf("first message %+v, %v; want hello with pid and version", m, err)
	}
	pc.Close()
	if err := <-served; !errors.Is(err, ErrParentGone) {
		t.Errorf("Serve returned %v, want ErrParentGone", err)
	}
}

// discardEngine is an engine.Engine that does nothing.
type discardEngine struct{}

func (discardEngine) Info() engine.Info { return engine.Info{} }
func (discardEngine) Execute(context.Context, engine.ExecuteRequest, engine.Output) engine.ExecuteResult {
	return engine.ExecuteResult{}
}
func (discardEngine) Complete(string, int) engine.Completion     { return engine.Completion{} }
func (discardEngine) Inspect(string, int, int) engine.Inspection { return engine.Inspection{} }
func (discardEngine) IsComplete(string) (string, string)         { return engine.Complete, "" }
func (discardEngine) Close() error                               { return nil }

func TestProtocolViolation(t *testing.T) {
	log := &logRecorder{changed: make(chan struct{}, 1)}
	e := Start(Config{Log: log, Command: []string{"/bin/sh", "-c",
		`printf '{"op":"hello","version":1}\nnot json\n' >&3; exec sleep 1000`}})
	log.waitFor(t, "reading its messages: invalid character")
	log.waitFor(t, "died while no cell was running: the engine broke the protocol (invalid character")
	e.Close()
}

// BenchmarkExecute measures one round trip of an empty cell through the
// supervisor and the toy child: what proc adds to every cell.
func BenchmarkExecute(b *testing.B) {
	e := Start(Config{Command: []string{toyPath}, Info: engine.Info{Implementation: "toy"}})
	defer e.Close()
	rec := newRecorder()
	ctx := context.Background()
	if res := e.Execute(ctx, engine.ExecuteRequest{Code: "print warm"}, rec); res.Err != nil {
		b.Fatal(res.Err)
	}
	for b.Loop() {
		e.Execute(ctx, engine.ExecuteRequest{Code: "", ExecutionCount: 1, StoreHistory: true}, rec)
	}
}
