package magic

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/internal/memguard"
)

// memlimit shows or sets the engine's memory limit (internal/memguard):
// past it, the engine's process ends with a line saying so, and the kernel
// starts a new one.
func memlimit(args string, out engine.Output) engine.ExecuteResult {
	if args = strings.TrimSpace(args); args != "" {
		n, err := parseSize(args)
		if err != nil {
			return errResult(engine.UsageError, "%%memlimit SIZE: %v", err)
		}
		memguard.SetLimit(n)
	}
	used := ""
	if rss, err := memguard.RSS(); err == nil {
		used = " (the engine uses " + memguard.FormatBytes(rss) + ")"
	}
	if lim := memguard.Limit(); lim > 0 {
		out.Stream("stdout", fmt.Sprintf("memory limit: %s%s\n", memguard.FormatBytes(lim), used))
	} else {
		out.Stream("stdout", "no memory limit"+used+"\n")
	}
	return engine.ExecuteResult{}
}

// sizeUnits are the units %memlimit knows, binary as memguard's.
var sizeUnits = map[string]float64{"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}

// parseSize reads a size such as 4G, 512M, 1.5GB or 2GiB (binary units),
// a number of bytes, or 0, off or none for no limit.
func parseSize(s string) (int64, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if u == "OFF" || u == "NONE" {
		return 0, nil
	}
	u = strings.TrimSuffix(strings.TrimSuffix(u, "IB"), "B")
	i := strings.LastIndexAny(u, "0123456789.") + 1
	num, unit := strings.TrimSpace(u[:i]), strings.TrimSpace(u[i:])
	mult, ok := sizeUnits[unit]
	v, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || v < 0 || v*mult > 1<<62 {
		return 0, fmt.Errorf("SIZE is a number with a unit, such as 4G or 512M (or 0 for no limit), not %q", s)
	}
	return int64(v * mult), nil
}
