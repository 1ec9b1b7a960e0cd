package parlib

import (
	"fmt"
	"time"
)

// FormatDuration prints d with 3-4 significant digits in the unit that fits
// (ns, µs, ms, s), the way @time and @btime do: "512.3 ms", "1.024 s".
func FormatDuration(d time.Duration) string {
	v := float64(d)
	switch {
	case d < 0:
		return "-" + FormatDuration(-d)
	case v < 1e3:
		return fmt.Sprintf("%.0f ns", v)
	case v < 1e6:
		return fmt.Sprintf("%s µs", sig(v/1e3))
	case v < 1e9:
		return fmt.Sprintf("%s ms", sig(v/1e6))
	}
	return fmt.Sprintf("%s s", sig(v/1e9))
}

// sig prints x (>= 1) with 4 significant digits.
func sig(x float64) string {
	switch {
	case x < 10:
		return fmt.Sprintf("%.3f", x)
	case x < 100:
		return fmt.Sprintf("%.2f", x)
	case x < 1000:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.0f", x)
}

// FormatBytes prints a byte count in binary units: "3.400 MiB".
func FormatBytes(b uint64) string {
	units := []string{"bytes", "KiB", "MiB", "GiB", "TiB"}
	v := float64(b)
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d bytes", b)
	}
	return fmt.Sprintf("%.3f %s", v, units[i])
}

// formatCount prints a count the way Julia does: 950, 1.20 k, 26.43 M.
func formatCount(n uint64) string {
	v := float64(n)
	switch {
	case v < 1e3:
		return fmt.Sprintf("%d", n)
	case v < 1e6:
		return fmt.Sprintf("%.2f k", v/1e3)
	case v < 1e9:
		return fmt.Sprintf("%.2f M", v/1e6)
	}
	return fmt.Sprintf("%.2f G", v/1e9)
}

func plural(n uint64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
