package kernel

import (
	"os"
	"runtime"
	"strconv"
	"time"
)

// ParentPIDFromEnv returns the process id in $JPY_PARENT_PID, which
// Jupyter's launcher (jupyter_client) sets to its own, or 0 if it is not
// set or not a number: the Config.ParentPID of a kernel that Jupyter
// started.
func ParentPIDFromEnv() int {
	pid, err := strconv.Atoi(os.Getenv("JPY_PARENT_PID"))
	if err != nil || pid < 0 {
		return 0
	}
	return pid
}

// parentPollInterval is how often the kernel checks its parent, as
// ipykernel's parent poller does.
const parentPollInterval = time.Second

// parentWatch tells when the process that started the kernel is gone, as
// ipykernel's ParentPollerUnix does: if the kernel's parent process is
// parent, when the kernel's parent changes (the kernel was orphaned and
// adopted); otherwise (a wrapper started the kernel, say) when the kernel's
// parent is init.
type parentWatch struct {
	parent   int // 0 or 1: no watch
	original int // the kernel's parent when the watch began
}

// newParentWatch starts watching process parent. A parent of 0 or 1
// (init, which never goes away) is not watched, nor any on Windows.
func newParentWatch(parent int) parentWatch {
	if parent <= 1 || runtime.GOOS == "windows" {
		return parentWatch{}
	}
	return parentWatch{parent: parent, original: os.Getppid()}
}

// gone reports whether the parent is gone, given the kernel's parent
// process now.
func (w parentWatch) gone(ppid int) bool {
	if w.original == w.parent {
		return ppid != w.parent
	}
	return ppid == 1
}

// watchParent shuts the kernel down when its parent process is gone, as
// after a shutdown_request, until the sockets are closed.
func (k *kernel) watchParent() {
	w := k.parent
	if w.parent == 0 {
		return
	}
	k.debug("watching parent process %d", w.parent)
	tick := time.NewTicker(parentPollInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if !w.gone(os.Getppid()) {
				continue
			}
			k.log.Printf("parent process %d is gone: shutting down", w.parent)
			k.requestStop()
			k.interrupt("") // a running cell
			return
		case <-k.stop:
			return
		case <-k.sockCtx.Done():
			return
		}
	}
}
