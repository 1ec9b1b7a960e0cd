package magic

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/parlib"
)

// threads shows or sets GOMAXPROCS and parlib's default thread count.
func threads(args string, out engine.Output) engine.ExecuteResult {
	if args != "" {
		n, err := strconv.Atoi(strings.TrimSpace(args))
		if err != nil || n < 1 || n > parlib.MaxThreads {
			return errResult(engine.UsageError, "%%threads N: N must be a number of threads between 1 and %d, not %q", parlib.MaxThreads, args)
		}
		runtime.GOMAXPROCS(n)
		parlib.SetDefaultThreads(n)
	}
	out.Stream("stdout", fmt.Sprintf("GOMAXPROCS = %d, parlib default threads = %d (this machine has %d CPUs)\n",
		runtime.GOMAXPROCS(0), parlib.DefaultThreads(), runtime.NumCPU()))
	return engine.ExecuteResult{}
}
