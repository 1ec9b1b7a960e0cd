//go:build !unix

package parlib

import "time"

// cpuTimes is not available on this system.
func cpuTimes() (user, sys time.Duration) { return 0, 0 }
