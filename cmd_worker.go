package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gopar/gopar/dist"
	"github.com/gopar/gopar/interp"
)

// workerLong is the description of `gopar worker`.
const workerLong = "Runs a worker for notebooks' dist calls (dist.Pmap, dist.Reduce, dist.SpawnAt,\n" +
	"%%everywhere): it connects to a NATS server, joins the notebook whose dist uses that\n" +
	"server and subject prefix, and runs its tasks in a Go engine of its own, with the\n" +
	"kernel's packages. Notebooks start local workers themselves (dist.AddProcs); run this\n" +
	"on other machines, with the notebook on dist.Connect(URL) to the same server.\n" +
	"It ends when the notebook removes it (dist.RmProcs), the notebook goes away, or on\n" +
	"SIGINT or SIGTERM."

// workerFlags defines the flags of `gopar worker`, whose defaults come
// from the environment (NATS_URL, NATS_TOKEN, NATS_CREDS, NATS_USER,
// NATS_PASSWORD, GOPAR_DIST_PREFIX).
func workerFlags(fs *flag.FlagSet) runFunc {
	cfg := dist.WorkerConfigFromEnv()
	cfg.RegisterFlags(fs)
	return func(args []string, _, stderr io.Writer) error {
		if err := noArgs(args); err != nil {
			return err
		}
		return runWorker(cfg, stderr)
	}
}

// runWorker is `gopar worker`. A local worker (started by a notebook's
// dist.AddProcs) ignores SIGINT, which a terminal sends to the whole
// process group: the notebook cancels its work itself.
func runWorker(cfg dist.WorkerConfig, stderr io.Writer) error {
	sigs := []os.Signal{syscall.SIGTERM}
	if cfg.Local {
		signal.Ignore(os.Interrupt)
	} else {
		sigs = append(sigs, os.Interrupt)
	}
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
	defer stop()
	// interp.NewDistHost captures os.Stderr for the engine's output; the
	// worker's own messages go to the real one.
	cfg.Log = stderr
	err := dist.RunWorker(ctx, cfg, interp.NewDistHost)
	if errors.Is(err, dist.ErrMasterGone) {
		if !cfg.Local {
			fmt.Fprintln(stderr, "gopar worker: the notebook is gone")
		}
		return nil
	}
	return err
}
