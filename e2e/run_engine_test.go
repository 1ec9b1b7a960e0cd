package e2e

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gopar/gopar/nbrun"
)

// readOutputs reads an executed notebook's code cells' outputs (see
// codeOutputs) and, per cell, its error's value ("" without one).
func readOutputs(t *testing.T, path string) (outs, evalues []string) {
	t.Helper()
	nb, err := nbrun.ReadNotebook(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range nb.Cells {
		v := ""
		for _, o := range c.Outputs {
			if o.OutputType == "error" {
				v = o.EValue
			}
		}
		evalues = append(evalues, v)
	}
	return codeOutputs(nb), evalues
}

// concurrentMapWrites is a cell that ends the engine process with the Go
// runtime's "fatal error: concurrent map writes".
const concurrentMapWrites = "m := map[int]int{}\nfor g := 0; g < 2; g++ {\n\tgo func() { for i := 0; ; i++ { m[i%64] = i } }()\n}\ntime.Sleep(time.Minute)"

// TestRunEngineCrash checks that a cell that crashes the engine process
// fails in gopar run as any failing cell does: the executed notebook and
// the HTML report are written with the crash as that cell's error, the
// command exits with status 1 naming the cell; with --allow-errors the
// next cells run in a new engine that still has the earlier definitions.
func TestRunEngineCrash(t *testing.T) {
	requireTools(t, nbformat)
	dir := t.TempDir()
	in := filepath.Join(dir, "crash.ipynb")
	writeNotebook(t, in, 0o644, "func add(a, b int) int { return a + b }", concurrentMapWrites, "add(2, 3)")
	out, page := filepath.Join(dir, "crash.out.ipynb"), filepath.Join(dir, "crash.html")
	_, errOut, code := gopar(t, nil, "run", in, "-o", out, "--html", page)
	if code != 1 || !strings.Contains(errOut, "cell 2 (m := map[int]int{}): EngineCrashed: fatal error: concurrent map writes") {
		t.Errorf("exit %d, want 1 naming cell 2 and the crash; stderr:\n%s", code, errOut)
	}
	outs, _ := readOutputs(t, out)
	if len(outs) != 3 || outs[1] != "error:EngineCrashed" || outs[2] != "" {
		t.Errorf("outputs %q, want the crash as cell 2's error and cell 3 not run", outs)
	}
	if b, err := os.ReadFile(page); err != nil || !strings.Contains(string(b), "fatal error: concurrent map writes") {
		t.Errorf("the HTML report lacks the crash (%v)", err)
	}

	_, errOut, code = gopar(t, nil, "run", in, "-o", out, "--allow-errors", "-q")
	outs, _ = readOutputs(t, out)
	if code != 0 || len(outs) != 3 || outs[1] != "error:EngineCrashed" {
		t.Fatalf("--allow-errors: exit %d, outputs %q; stderr:\n%s", code, outs, errOut)
	}
	// Needs the engine to return Restore texts.
	if outs[2] != "execute_result:text/plain=5" {
		t.Errorf("add(2, 3) after the crash: %q, want 5 (add must be restored in the new engine)", outs[2])
	}
}

// TestRunTimeoutRestartsEngine checks gopar run --timeout on a cell that
// the engine cannot stop (its process is stopped with SIGSTOP): once the
// interrupt's grace has passed the engine process is killed and restarted,
// the cell fails with the timeout, and with --allow-errors the run goes on
// with the earlier definitions.
func TestRunTimeoutRestartsEngine(t *testing.T) {
	requireTools(t, nbformat)
	if runtime.GOOS == "windows" {
		t.Skip("no SIGSTOP")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "stop.ipynb")
	writeNotebook(t, in, 0o644,
		"func add(a, b int) int { return a + b }",
		"exec.Command(\"kill\", \"-STOP\", fmt.Sprint(os.Getpid())).Run()\ntime.Sleep(time.Minute)",
		"add(2, 3)")
	out := filepath.Join(dir, "stop.out.ipynb")
	_, errOut, code := gopar(t, nil, "run", in, "-o", out, "--timeout", "1s", "--allow-errors")
	outs, evalues := readOutputs(t, out)
	if code != 0 || len(outs) != 3 {
		t.Fatalf("exit %d, outputs %q; stderr:\n%s", code, outs, errOut)
	}
	if !strings.HasPrefix(outs[1], "error:") || !strings.Contains(evalues[1], "cell timed out after 1s") ||
		!strings.Contains(evalues[1], "after the interrupt and was restarted") {
		t.Errorf("the stopped cell: %q %q, want its timeout and the engine's restart", outs[1], evalues[1])
	}
	if !strings.Contains(errOut, "engine restarted as process") {
		t.Errorf("stderr does not log the restart:\n%s", errOut)
	}
	// Needs the engine to return Restore texts.
	if outs[2] != "execute_result:text/plain=5" {
		t.Errorf("add(2, 3) after the restart: %q, want 5 (add must be restored in the new engine)", outs[2])
	}
}

// TestRunTimeoutKillsCommands checks that the processes a cell started
// (a shell and the sleep it started in the background) end when the cell
// times out, while the run goes on: the next cell sees them gone.
func TestRunTimeoutKillsCommands(t *testing.T) {
	requireTools(t, nbformat)
	if runtime.GOOS != "linux" {
		t.Skip("the cells read /proc")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "cmds.ipynb")
	writeNotebook(t, in, 0o644,
		"var shell, sleeper int",
		"cmd := exec.Command(\"sh\", \"-c\", \"sleep 1000 & echo $!; wait\")\n"+
			"pipe, _ := cmd.StdoutPipe()\ncmd.Start()\nshell = cmd.Process.Pid\n"+
			"fmt.Fscan(pipe, &sleeper)\ncmd.Wait()",
		// A killed process may wait to be reaped (a zombie): it has ended.
		"ended := func(pid int) bool {\n"+
			"\tb, err := os.ReadFile(fmt.Sprintf(\"/proc/%d/stat\", pid))\n"+
			"\treturn err != nil || strings.HasPrefix(string(b[strings.LastIndex(string(b), \")\")+1:]), \" Z\")\n"+
			"}\n"+
			"deadline := time.Now().Add(20 * time.Second)\n"+
			"for !(ended(shell) && ended(sleeper)) && time.Now().Before(deadline) {\n\ttime.Sleep(10 * time.Millisecond)\n}\n"+
			"fmt.Println(shell > 0, sleeper > 0, ended(shell), ended(sleeper))")
	out := filepath.Join(dir, "cmds.out.ipynb")
	_, errOut, code := gopar(t, nil, "run", in, "-o", out, "--timeout", "2s", "--allow-errors")
	outs, evalues := readOutputs(t, out)
	if code != 0 || len(outs) != 3 {
		t.Fatalf("exit %d, outputs %q; stderr:\n%s", code, outs, errOut)
	}
	if !strings.Contains(evalues[1], "timed out after 2s") {
		t.Errorf("the cell running the command: %q %q, want its timeout", outs[1], evalues[1])
	}
	if outs[2] != "stdout:true true true true\n" {
		t.Errorf("after the timeout: %q, want the shell and its sleep ended (true true true true)", outs[2])
	}
}

// TestEngineByHand checks that gopar engine, an internal command, fails
// at once and says why when someone runs it.
func TestEngineByHand(t *testing.T) {
	_, errOut, code := gopar(t, nil, "engine")
	if code != 1 || !strings.Contains(errOut, "gopar engine: ") || !strings.Contains(errOut, "file descriptor 3") {
		t.Errorf("gopar engine: exit %d, stderr %q; want 1 and no connection on file descriptor 3", code, errOut)
	}
}
