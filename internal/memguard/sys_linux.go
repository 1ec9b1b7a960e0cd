package memguard

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
)

// rssReader reads the resident set size from /proc/self/statm, keeping the
// file open between readings.
type rssReader struct {
	f   *os.File
	buf [128]byte
}

func newRSSReader() *rssReader { return &rssReader{} }

func (r *rssReader) read() (int64, error) {
	if r.f == nil {
		f, err := os.Open("/proc/self/statm")
		if err != nil {
			return 0, err
		}
		r.f = f
	}
	// A read at offset 0 makes the kernel produce fresh numbers.
	n, err := r.f.ReadAt(r.buf[:], 0)
	if n == 0 && err != nil {
		r.f.Close()
		r.f = nil
		return 0, err
	}
	pages, err := parseStatm(r.buf[:n])
	if err != nil {
		return 0, err
	}
	return pages * int64(os.Getpagesize()), nil
}

// parseStatm returns the second field of /proc/self/statm: the resident
// set size in pages.
func parseStatm(b []byte) (int64, error) {
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, fmt.Errorf("memguard: /proc/self/statm: unexpected %q", b)
	}
	return strconv.ParseInt(string(f[1]), 10, 64)
}

// availableMemory is the machine's RAM, or the cgroup's memory limit when
// lower; 0 when unknown.
func availableMemory() int64 {
	total := int64(0)
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		total, _ = parseMeminfo(string(b))
	}
	if b, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for _, file := range cgroupLimitFiles(string(b)) {
			data, err := os.ReadFile(file)
			if err != nil {
				continue
			}
			if lim, ok := parseCgroupLimit(string(data)); ok && (total <= 0 || lim < total) {
				total = lim
			}
		}
	}
	return total
}

// parseMeminfo returns MemTotal from the text of /proc/meminfo, in bytes.
func parseMeminfo(text string) (int64, error) {
	for line := range strings.Lines(text) {
		rest, ok := strings.CutPrefix(line, "MemTotal:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			break
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("memguard: /proc/meminfo: MemTotal: %v", err)
		}
		if len(f) > 1 && f[1] == "kB" {
			n *= 1024
		}
		return n, nil
	}
	return 0, errors.New("memguard: /proc/meminfo has no MemTotal")
}

// cgroupLimitFiles lists, from the text of /proc/self/cgroup, the files
// that may hold a memory limit for this process: memory.max (cgroup v2) or
// memory.limit_in_bytes (cgroup v1) of its cgroup and of every ancestor,
// since the tightest one applies.
func cgroupLimitFiles(text string) []string {
	var files []string
	add := func(root, dir, name string) {
		for {
			files = append(files, path.Join(root, dir, name))
			if dir == "/" || dir == "." || dir == "" {
				return
			}
			dir = path.Dir(dir)
		}
	}
	for line := range strings.Lines(text) {
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(parts) != 3 {
			continue
		}
		dir := path.Clean("/" + parts[2])
		if parts[0] == "0" && parts[1] == "" {
			add("/sys/fs/cgroup", dir, "memory.max")
			add("/sys/fs/cgroup/unified", dir, "memory.max")
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" {
				add("/sys/fs/cgroup/memory", dir, "memory.limit_in_bytes")
			}
		}
	}
	return files
}

// parseCgroupLimit reads a memory.max or memory.limit_in_bytes file: "max"
// or a huge number (cgroup v1's way) mean no limit.
func parseCgroupLimit(text string) (int64, bool) {
	s := strings.TrimSpace(text)
	if s == "max" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= 1<<60 {
		return 0, false
	}
	return n, true
}
