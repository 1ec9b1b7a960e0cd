package memguard

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// helperEnv makes the test binary act as a helper process (see TestMain).
const helperEnv = "MEMGUARD_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "alloc":
		helperAlloc()
	case "recurse":
		helperRecurse()
	}
	os.Exit(3)
}

// helperAlloc sets a limit 64 MB above its current RSS and allocates (and
// touches) memory until the watchdog ends it. Reaching 2 GB means the
// watchdog failed: it prints "survived" and exits 0.
func helperAlloc() {
	base, err := RSS()
	if err != nil {
		fmt.Println("RSS:", err)
		os.Exit(4)
	}
	Start(base + 64<<20)
	var keep [][]byte
	for total := 0; total < 2<<30; total += 1 << 20 {
		b := make([]byte, 1<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		keep = append(keep, b)
	}
	runtime.KeepAlive(keep)
	fmt.Println("survived")
	os.Exit(0)
}

//go:noinline
func recurse(n int) int {
	var pad [128]byte
	pad[n%len(pad)] = byte(n)
	return recurse(n+1) + int(pad[0])
}

func helperRecurse() {
	SetMaxStack()
	recurse(0)
}

// helper runs the test binary as the named helper and returns its stderr
// and exit status.
func helper(t *testing.T, name string) (stderr string, status int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+name)
	var eb, ob bytes.Buffer
	cmd.Stderr, cmd.Stdout = &eb, &ob
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("running helper %s: %v", name, err)
	}
	if ob.Len() > 0 {
		t.Logf("helper %s stdout: %s", name, ob.String())
	}
	return eb.String(), cmd.ProcessState.ExitCode()
}

func TestWatchdogEndsProcessOverLimit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("RSS outside Linux misses non-Go memory; the helper relies on /proc")
	}
	stderr, status := helper(t, "alloc")
	if status != ExitStatus {
		t.Fatalf("exit status %d, want %d; stderr:\n%s", status, ExitStatus, stderr)
	}
	re := regexp.MustCompile(`^gopar: out of memory: the engine used \d+\.\d [MG]B, over its limit of \d+\.\d [MG]B \(change it with %memlimit\)\n$`)
	if !re.MatchString(stderr) {
		t.Fatalf("stderr is not the one watchdog line:\n%q", stderr)
	}
	t.Logf("%s", strings.TrimSpace(stderr))
}

func TestMaxStackStopsRecursion(t *testing.T) {
	stderr, status := helper(t, "recurse")
	if status != 2 {
		t.Errorf("exit status %d, want 2 (a Go fatal error)", status)
	}
	want := "runtime: goroutine stack exceeds " + strconv.Itoa(MaxStack) + "-byte limit"
	if !strings.HasPrefix(stderr, want+"\n") || !strings.Contains(stderr, "fatal error: stack overflow") {
		head, _, _ := strings.Cut(stderr, "\n\n")
		t.Fatalf("stderr starts with %q, want %q then fatal error: stack overflow", head, want)
	}
}

func TestRSSIsPlausible(t *testing.T) {
	before, err := RSS()
	if err != nil {
		t.Fatal(err)
	}
	if before < 1<<20 {
		t.Fatalf("RSS = %d bytes, implausibly small for a Go test binary", before)
	}
	b := make([]byte, 64<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	after, err := RSS()
	runtime.KeepAlive(b)
	if err != nil {
		t.Fatal(err)
	}
	if grew := after - before; grew < 48<<20 {
		t.Errorf("RSS grew by %s after touching 64 MB, want at least 48 MB", FormatBytes(grew))
	}
	if total := availableMemory(); total > 0 && after > total {
		t.Errorf("RSS %s exceeds the memory available, %s", FormatBytes(after), FormatBytes(total))
	}
	t.Logf("RSS %s, then %s after touching 64 MB", FormatBytes(before), FormatBytes(after))
}

func TestSetLimit(t *testing.T) {
	prevSoft := debug.SetMemoryLimit(-1)
	prev := Limit()
	t.Cleanup(func() { limit.Store(prev); debug.SetMemoryLimit(prevSoft) })

	var lim int64 = 1 << 30
	SetLimit(lim)
	if got := Limit(); got != lim {
		t.Errorf("Limit() = %d, want %d", got, lim)
	}
	if soft, want := debug.SetMemoryLimit(-1), int64(float64(lim)*0.9); soft != want {
		t.Errorf("soft memory limit = %d, want %d", soft, want)
	}
	SetLimit(0)
	if got := Limit(); got != 0 {
		t.Errorf("after SetLimit(0), Limit() = %d, want 0", got)
	}
	if soft := debug.SetMemoryLimit(-1); soft != 1<<63-1 {
		t.Errorf("after SetLimit(0), soft memory limit = %d, want none", soft)
	}
}

func TestSetMaxStack(t *testing.T) {
	prev := SetMaxStack()
	defer debug.SetMaxStack(prev)
	if got := debug.SetMaxStack(MaxStack); got != MaxStack {
		t.Errorf("max stack = %d after SetMaxStack, want %d", got, MaxStack)
	}
}

func TestDefaultLimit(t *testing.T) {
	total := availableMemory()
	got := DefaultLimit()
	if runtime.GOOS == "linux" && total <= 0 {
		t.Fatal("no memory size found on Linux")
	}
	if want := int64(float64(total) * DefaultShare); got != want {
		t.Errorf("DefaultLimit() = %d, want %d (75%% of %d)", got, want, total)
	}
	t.Logf("available %s, default limit %s", FormatBytes(total), FormatBytes(got))
}

func TestMessage(t *testing.T) {
	got := Message(13207024435, 12<<30)
	want := "gopar: out of memory: the engine used 12.3 GB, over its limit of 12.0 GB (change it with %memlimit)"
	if got != want {
		t.Errorf("Message = %q\nwant      %q", got, want)
	}
	for n, want := range map[int64]string{12: "12 bytes", 1536: "1.5 KB", 64 << 20: "64.0 MB", 3 << 30: "3.0 GB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
