// Command toychild is the engine process of package proc's tests: a tiny
// engine whose cells are lines of commands.
//
//	print TEXT      write TEXT and a newline to the cell's stdout
//	eprint TEXT     the same on the cell's stderr
//	display TEXT    show a display with TEXT and a JSON number
//	clear           clear the output (wait)
//	def NAME        define NAME (restored as "def NAME")
//	var NAME VALUE  set variable NAME (restored as "var NAME", zero value "")
//	show NAME       print NAME=VALUE, or fail with undefined: NAME
//	restore TEXT    add TEXT to the cell's Restore (and do nothing else)
//	defs            print every definition as NAME@COUNT[,silent]
//	fail            fail the cell
//	panic           panic in Execute (the engine's own bug)
//	input PROMPT    ask for a line; print "got TEXT" or "input error: …"
//	block           wait for the interrupt
//	hang            never return, ignoring the interrupt
//	bgprint TEXT    print TEXT from a goroutine once released (IsComplete "release")
//	fatal           concurrent map writes: a Go fatal error
//	stackoverflow   unbounded recursion
//	alloc MB        allocate and touch MB megabytes, and keep them
//	exit N          os.Exit(N)
//	selfkill        SIGKILL itself
//	spawn           start "sleep 1000" and print its pid
//	spawngroup      the same, in a process group of its own
//	pid             print the process id
//	fd1 TEXT        write TEXT to file descriptor 1
//	fd2 TEXT        write TEXT to file descriptor 2
//	idles           print how many times InterruptIdle was called
//
// With TOY_STAY set in its environment, it does not exit when the kernel
// goes away.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/engine/proc"
)

func main() {
	ch, err := proc.NewChild()
	if err != nil {
		fmt.Fprintln(os.Stderr, "toychild:", err)
		os.Exit(1)
	}
	t := &toy{locate: ch.Locate, defs: map[string]string{}, vars: map[string]string{}, release: make(chan struct{})}
	err = ch.Serve(t)
	if os.Getenv("TOY_STAY") != "" {
		// Outlive the kernel unless something kills this process.
		<-make(chan struct{})
	}
	if err != nil {
		os.Exit(1)
	}
}

type toy struct {
	locate func(string)

	mu      sync.Mutex
	defs    map[string]string // name → where it was defined
	vars    map[string]string
	release chan struct{}
	kept    [][]byte
	idles   int // calls of InterruptIdle
}

func (t *toy) Info() engine.Info { return engine.Info{Implementation: "toy"} }

func (t *toy) Execute(ctx context.Context, req engine.ExecuteRequest, out engine.Output) engine.ExecuteResult {
	var restore []string
	var variables []string
	res := func(err *engine.Error) engine.ExecuteResult {
		return engine.ExecuteResult{Err: err, Restore: strings.Join(restore, "\n"), Variables: variables}
	}
	for i, line := range strings.Split(req.Code, "\n") {
		t.locate(fmt.Sprintf("In [%d] line %d", req.ExecutionCount, i+1))
		cmd, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch cmd {
		case "":
		case "print":
			out.Stream("stdout", arg+"\n")
		case "eprint":
			out.Stream("stderr", arg+"\n")
		case "display":
			out.Display(engine.Display{Data: engine.Bundle{"text/plain": arg, "application/json": map[string]any{"n": int64(12345678901234567)}}, ID: "d1"})
		case "clear":
			out.Clear(true)
		case "def":
			where := strconv.Itoa(req.ExecutionCount)
			if req.Silent {
				where += ",silent"
			}
			t.mu.Lock()
			t.defs[arg] = where
			t.mu.Unlock()
			restore = append(restore, "def "+arg)
		case "var":
			name, value, _ := strings.Cut(arg, " ")
			t.mu.Lock()
			t.vars[name] = value
			t.mu.Unlock()
			restore = append(restore, "var "+name)
			variables = append(variables, name)
		case "restore":
			restore = append(restore, arg)
		case "show":
			t.mu.Lock()
			v, ok := t.vars[arg]
			t.mu.Unlock()
			if !ok {
				return res(engine.NewError(engine.CompileError, "undefined: "+arg))
			}
			out.Stream("stdout", arg+"="+v+"\n")
		case "defs":
			t.mu.Lock()
			var list []string
			for name, where := range t.defs {
				list = append(list, name+"@"+where)
			}
			t.mu.Unlock()
			slices.Sort(list)
			out.Stream("stdout", strings.Join(list, " ")+"\n")
		case "fail":
			return res(engine.NewError(engine.OtherError, "failed on purpose"))
		case "panic":
			panic("toy panic")
		case "input":
			s, err := out.Input(ctx, arg, false)
			switch {
			case ctx.Err() != nil:
				return res(engine.NewError(engine.Interrupt, "interrupted while waiting for input"))
			case errors.Is(err, engine.ErrNoStdin):
				out.Stream("stdout", "input error: nostdin\n")
			case err != nil:
				out.Stream("stdout", "input error: "+err.Error()+"\n")
			default:
				out.Stream("stdout", "got "+s+"\n")
			}
		case "block":
			<-ctx.Done()
			return res(engine.NewError(engine.Interrupt, "interrupted"))
		case "hang":
			<-make(chan struct{})
		case "bgprint":
			t.mu.Lock()
			release := t.release
			t.mu.Unlock()
			go func() {
				<-release
				out.Stream("stdout", arg+"\n")
			}()
		case "fatal":
			concurrentMapWrites()
		case "stackoverflow":
			recurse(0)
		case "alloc":
			mb, _ := strconv.Atoi(arg)
			for range mb {
				b := make([]byte, 1<<20)
				for j := 0; j < len(b); j += 4096 {
					b[j] = 1
				}
				t.mu.Lock()
				t.kept = append(t.kept, b)
				t.mu.Unlock()
			}
		case "exit":
			n, _ := strconv.Atoi(arg)
			os.Exit(n)
		case "selfkill":
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			<-make(chan struct{})
		case "spawn":
			c := exec.Command("sleep", "1000")
			if err := c.Start(); err != nil {
				return res(engine.NewError(engine.OSError, err.Error()))
			}
			out.Stream("stdout", strconv.Itoa(c.Process.Pid)+"\n")
		case "spawngroup":
			c := exec.Command("sleep", "1000")
			c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := c.Start(); err != nil {
				return res(engine.NewError(engine.OSError, err.Error()))
			}
			out.Stream("stdout", strconv.Itoa(c.Process.Pid)+"\n")
		case "pid":
			out.Stream("stdout", strconv.Itoa(os.Getpid())+"\n")
		case "fd1":
			os.Stdout.WriteString(arg + "\n")
		case "fd2":
			os.Stderr.WriteString(arg + "\n")
		case "idles":
			t.mu.Lock()
			n := t.idles
			t.mu.Unlock()
			out.Stream("stdout", strconv.Itoa(n)+"\n")
		default:
			return res(engine.NewError(engine.SyntaxError, "unknown command "+cmd))
		}
	}
	return res(nil)
}

// concurrentMapWrites writes to one map from several goroutines until the
// runtime notices and ends the process with "fatal error: concurrent map
// writes".
func concurrentMapWrites() {
	m := map[int]int{}
	for range max(2, runtime.NumCPU()) {
		go func() {
			for i := 0; ; i++ {
				m[i%64] = i
			}
		}()
	}
	<-make(chan struct{})
}

//go:noinline
func recurse(n int) int {
	var pad [128]byte
	pad[n%len(pad)] = byte(n)
	return recurse(n+1) + int(pad[0])
}

func (t *toy) Complete(code string, cursor int) engine.Completion {
	return engine.Completion{Matches: []string{code + "_done"}, CursorStart: 0, CursorEnd: cursor}
}

func (t *toy) Inspect(code string, cursor, detail int) engine.Inspection {
	return engine.Inspection{Found: true, Data: engine.Bundle{"text/plain": fmt.Sprintf("inspect %s %d %d", code, cursor, detail)}}
}

func (t *toy) IsComplete(code string) (string, string) {
	switch code {
	case "release":
		t.mu.Lock()
		close(t.release)
		t.release = make(chan struct{})
		t.mu.Unlock()
		return engine.Complete, ""
	case "open {":
		return engine.Incomplete, "  "
	}
	return engine.Complete, ""
}

func (t *toy) Close() error { return nil }

// InterruptIdle implements engine.IdleInterrupter: it counts its calls.
func (t *toy) InterruptIdle() {
	t.mu.Lock()
	t.idles++
	t.mu.Unlock()
}
