package pgroup

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// helperEnv makes the test binary a process that starts "sleep 1000" with
// Isolate, prints its pid and waits to be killed.
const helperEnv = "PGROUP_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		cmd := exec.CommandContext(context.Background(), "sleep", "1000")
		Isolate(cmd)
		if err := cmd.Start(); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println(cmd.Process.Pid)
		select {}
	}
	os.Exit(m.Run())
}

// TestCommandDiesWithStarter kills (SIGKILL) a process that started a
// command with Isolate, and checks that the command dies too, although it
// is in a process group of its own.
func TestCommandDiesWithStarter(t *testing.T) {
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), helperEnv+"=1")
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	sleeper, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		helper.Process.Kill()
		t.Fatalf("the helper printed %q (%v)", line, err)
	}
	helper.Process.Kill()
	helper.Wait()
	// The sleep is an orphan now.
	waitOrphanGone(t, sleeper, fmt.Sprintf("the command %d outlived the process that started it", sleeper))
}
