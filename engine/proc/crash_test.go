package proc

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/internal/memguard"
)

// watch feeds text to a stderrWatch and finishes it with goCrash; it
// returns the crash header and the logged lines.
func watch(text string, goCrash bool) (head, logged []string) {
	w := newStderrWatch(func(line string) { logged = append(logged, line) })
	for line := range strings.Lines(text) {
		w.line(strings.TrimSuffix(line, "\n"))
	}
	head, _, _ = w.finish(goCrash)
	return head, logged
}

// Crash reports as the Go runtime writes them (go1.26, linux/amd64).
const (
	mapCrash = `fatal error: concurrent map writes

goroutine 4 [running]:
internal/runtime/maps.fatal({0x4ad5be?, 0x0?})
	/usr/local/go/src/runtime/panic.go:1181 +0x18
main.main.func1()
	/tmp/crash/main.go:15 +0x5b
`
	stackCrash = `runtime: goroutine stack exceeds 268435456-byte limit
runtime: sp=0x1fbce9070330 stack=[0x1fbce9070000, 0x1fbcf9070000]
fatal error: stack overflow

runtime stack:
runtime.throw({0x4abd95?, 0x1fbcd8f732c0?})
	/usr/local/go/src/runtime/panic.go:1229 +0x48 fp=0x1fbcd8fc3e98 sp=0x1fbcd8fc3e68 pc=0x4775c8
`
	nilCrash = `panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x489ae4]

goroutine 18 [running]:
main.main.func2()
`
	oomCrash = `runtime: out of memory: cannot allocate 1099511627776-byte block (3997696 in use)
fatal error: out of memory

goroutine 1 gp=0xc000002380 m=0 mp=0x570f20 [running]:
runtime.throw({0x4ad749?, 0x23ba?})
`
	multiLinePanic = `panic: first line
second line

goroutine 1 [running]:
main.main()
`
)

func TestStderrWatchFindsTheCrash(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		goCrash    bool
		head       []string
		logged     []string
	}{
		{"map", "a cell wrote this\n" + mapCrash, true, []string{"fatal error: concurrent map writes"}, []string{"a cell wrote this"}},
		{"stack", stackCrash, true, []string{"runtime: goroutine stack exceeds 268435456-byte limit",
			"runtime: sp=0x1fbce9070330 stack=[0x1fbce9070000, 0x1fbcf9070000]", "fatal error: stack overflow"}, nil},
		{"nil", nilCrash, true, []string{"panic: runtime error: invalid memory address or nil pointer dereference",
			"[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x489ae4]"}, nil},
		{"oom", oomCrash, true, []string{"runtime: out of memory: cannot allocate 1099511627776-byte block (3997696 in use)", "fatal error: out of memory"}, nil},
		{"multi-line panic", multiLinePanic, true, []string{"panic: first line", "second line"}, nil},
		{"memguard", "ok\n" + memguard.Message(13<<30, 12<<30) + "\n", true, []string{memguard.Message(13<<30, 12<<30)}, []string{"ok"}},
		// A cell printed a crash-like line; the process was killed later.
		{"lookalike then kill", "panic: only words\nmore\n", false, nil, []string{"panic: only words", "more"}},
		// A crash-like line followed by much ordinary output, then a real crash.
		{"lookalike then crash", "panic: only words\n" + strings.Repeat("ordinary\n", maxHeld+2) + mapCrash, true,
			[]string{"fatal error: concurrent map writes"}, append([]string{"panic: only words"}, slices.Repeat([]string{"ordinary"}, maxHeld+2)...)},
		{"nothing", "", false, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head, logged := watch(tc.text, tc.goCrash)
			if !slices.Equal(head, tc.head) {
				t.Errorf("head = %q\nwant   %q", head, tc.head)
			}
			if !slices.Equal(logged, tc.logged) {
				t.Errorf("logged = %q\nwant     %q", logged, tc.logged)
			}
		})
	}
}

func TestStderrWatchKeepsHeaderOfHugeDump(t *testing.T) {
	var b strings.Builder
	b.WriteString(mapCrash)
	for i := range 20000 {
		fmt.Fprintf(&b, "\ngoroutine %d [chan receive]:\nmain.wait()\n\t/x.go:1 +0x1\n", i+10)
	}
	w := newStderrWatch(nil)
	for line := range strings.Lines(b.String()) {
		w.line(strings.TrimSuffix(line, "\n"))
	}
	head, dump, _ := w.finish(true)
	if !slices.Equal(head, []string{"fatal error: concurrent map writes"}) || len(dump) != maxDump+1 {
		t.Fatalf("after a %d-byte dump: head %q, %d dump lines; want the header and %d, and a count of the rest", b.Len(), head, len(dump), maxDump)
	}
	// Counted here: the dump's lines from "goroutine 4", past the first
	// maxDump.
	all := strings.Split(strings.TrimSuffix(b.String()[strings.Index(b.String(), "goroutine 4 "):], "\n"), "\n")
	lines, goroutines := len(all)-maxDump, 0
	for _, l := range all[maxDump:] {
		if strings.HasPrefix(l, "goroutine ") {
			goroutines++
		}
	}
	want := fmt.Sprintf("… %d more lines of the goroutine dump not kept (%d more goroutines)", lines, goroutines)
	if dump[maxDump] != want {
		t.Errorf("the dump's last line is %q, want %q", dump[maxDump], want)
	}
}

// TestStderrWatchCountsNothingOfAShortDump checks that a dump that fits
// is kept whole, without a count.
func TestStderrWatchCountsNothingOfAShortDump(t *testing.T) {
	w := newStderrWatch(nil)
	for line := range strings.Lines(mapCrash) {
		w.line(strings.TrimSuffix(line, "\n"))
	}
	_, dump, _ := w.finish(true)
	if len(dump) != 5 || !strings.HasPrefix(dump[0], "goroutine 4 ") || strings.HasPrefix(dump[len(dump)-1], "…") {
		t.Errorf("dump of mapCrash: %q", dump)
	}
}

func TestDeathFirstLine(t *testing.T) {
	d := &death{status: "killed by signal 9"}
	if d.first() != "killed by signal 9" || !slices.Contains(d.details(), "(SIGKILL from outside gopar: often the system's out-of-memory killer.)") {
		t.Errorf("signal death: %q, %q", d.first(), d.details())
	}
	d = &death{status: "killed by signal 9", killed: "did not stop within 5s after the interrupt"}
	if d.first() != "the engine did not stop within 5s after the interrupt" || len(d.details()) != 0 {
		t.Errorf("killed by the parent: %q, %q", d.first(), d.details())
	}
	d = &death{status: "exited with status 2", head: []string{"fatal error: x"}, killed: "broke the protocol"}
	if d.first() != "fatal error: x" {
		t.Errorf("crash header should win: %q", d.first())
	}
}

func TestRestartSentences(t *testing.T) {
	for _, tc := range []struct {
		r    *restart
		want []string
	}{
		{&restart{}, []string{"The engine was restarted; no earlier cell had definitions to restore."}},
		{&restart{restored: []int{1, 2}, lost: []string{}}, []string{"The engine was restarted: definitions from In [1], In [2] were restored."}},
		{&restart{restored: []int{1}, lost: []string{"x", "y"}, failures: []string{"In [2] could not be restored: E"}},
			[]string{"The engine was restarted: definitions from In [1] were restored; these variables were lost: x, y (they are declared again with zero values).",
				"In [2] could not be restored: E"}},
		{&restart{err: fmt.Errorf("boom")}, []string{"The engine could not be restarted: boom; gopar keeps trying."}},
		{&restart{pending: true}, []string{"The engine is restarting."}},
	} {
		if got := tc.r.sentences(); !slices.Equal(got, tc.want) {
			t.Errorf("sentences(%+v) = %q\nwant %q", tc.r, got, tc.want)
		}
	}
}

func TestCrashReportAndNote(t *testing.T) {
	d := &death{pid: 42, at: time.Now(), status: "exited with status 2",
		head:  []string{"runtime: goroutine stack exceeds 268435456-byte limit", "runtime: sp=0x1 stack=[0x1, 0x2]", "fatal error: stack overflow"},
		where: "In [3] line 7", call: &call{count: 3}}
	r := &restart{restored: []int{1}, lost: []string{"x"}}
	got := crashReport(d.first(), d, r)
	want := []string{
		"EngineCrashed: runtime: goroutine stack exceeds 268435456-byte limit",
		"fatal error: stack overflow",
		"The engine process (pid 42) died while running In [3] line 7.",
		"The engine was restarted: definitions from In [1] were restored; these variables were lost: x (they are declared again with zero values).",
	}
	if !slices.Equal(got, want) {
		t.Errorf("crashReport =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	d.call, d.where = nil, ""
	note := idleNote(d, r)
	if !strings.HasPrefix(note, "gopar: the engine process (pid 42) died while no cell was running: runtime: goroutine stack exceeds") || !strings.HasSuffix(note, "zero values).\n") {
		t.Errorf("idleNote = %q", note)
	}
	d.call = &call{count: 9}
	if p := d.place(); p != "while running In [9]" {
		t.Errorf("place without a location = %q, want the cell's number", p)
	}
}
