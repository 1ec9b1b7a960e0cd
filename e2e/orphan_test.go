package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// orphanParent is a frontend that starts the gopar kernel with
// jupyter_client (which sets JPY_PARENT_PID to its own process id), prints
// the kernel's process id once the kernel is ready, and waits to be killed.
const orphanParent = `
import sys, time
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name="gopar")
print(km.provisioner.pid, flush=True)
time.sleep(600)
`

// TestOrphanedKernelExits kills the frontend that started the kernel, as
// when jupyter console is killed or a notebook server crashes: the kernel
// notices that its parent is gone, as ipykernel does, and exits.
func TestOrphanedKernelExits(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("JPY_PARENT_PID is a handle on Windows")
	}
	requireTools(t, jupyterClient)
	env := jupyterEnv(t)
	parent := exec.Command(python, "-c", orphanParent)
	parent.Env = env
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// The kernel inherits the parent's stderr: the pipe reaches its end
	// when the kernel exits, the parent being dead by then.
	logR, logW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer logR.Close()
	parent.Stderr = logW
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	logW.Close()
	defer parent.Process.Kill()
	var log syncBuffer
	logDone := make(chan struct{})
	go func() { io.Copy(&log, logR); close(logDone) }()

	pidLine := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		pidLine <- line
	}()
	var line string
	select {
	case line = <-pidLine:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the kernel did not start; the frontend's log:\n%s", log.String())
	}
	kpid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("the frontend printed %q, not the kernel's pid; its log:\n%s", line, log.String())
	}
	defer syscall.Kill(kpid, syscall.SIGKILL) // if it outlives the test

	killed := time.Now()
	parent.Process.Kill()
	parent.Wait()
	const bound = 15 * time.Second // the kernel checks every second
	select {
	case <-logDone:
		t.Logf("the kernel exited %v after its frontend was killed", time.Since(killed).Round(time.Millisecond))
	case <-time.After(bound):
		t.Fatalf("the kernel still runs %v after its frontend was killed; the log:\n%s", bound, log.String())
	}
	if want := fmt.Sprintf("parent process %d is gone", parent.Process.Pid); !strings.Contains(log.String(), want) {
		t.Errorf("the kernel's log lacks %q:\n%s", want, log.String())
	}
}
