package magic

import (
	"context"
	"strings"

	"github.com/gopar/gopar/dist"
	"github.com/gopar/gopar/engine"
)

// toWorkers runs a cell on every dist worker (and records it for the
// workers added later); tests replace it.
var toWorkers = func(ctx context.Context, src string) error { return dist.Default().Everywhere(ctx, src) }

// everywhere is %%everywhere, Julia's @everywhere: the cell runs here, then
// on every worker of package dist, and on the workers added later (before
// their first task). Workers' output comes back as "From worker N: …"; a
// failure on a worker fails the cell, naming the worker. The cell
// restores as %%everywhere with what its body defined, so that after an
// engine restart the definitions are back here and again recorded for the
// workers that the restarted engine starts.
func everywhere(ctx context.Context, m Magic, body string, h Host) engine.ExecuteResult {
	if m.Args != "" {
		return errResult(engine.UsageError, "%%%%everywhere takes no arguments (got %q)", m.Args)
	}
	res := h.RunSource(ctx, body)
	if res.Err != nil {
		return res
	}
	if err := toWorkers(ctx, body); err != nil {
		if ctx.Err() != nil {
			return interrupted()
		}
		return errResult(engine.OtherError, "%%%%everywhere: %v", err)
	}
	if strings.TrimSpace(res.Restore) != "" {
		res.Restore = "%%everywhere" + res.Restore
	}
	return res
}
