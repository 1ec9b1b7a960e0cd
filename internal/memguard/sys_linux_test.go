package memguard

import (
	"slices"
	"testing"
)

func TestParseMeminfo(t *testing.T) {
	text := "MemFree:         1000 kB\nMemTotal:       24683520 kB\nBuffers: 1 kB\n"
	got, err := parseMeminfo(text)
	if err != nil || got != 24683520*1024 {
		t.Errorf("parseMeminfo = %d, %v; want %d", got, err, 24683520*1024)
	}
	if _, err := parseMeminfo("MemFree: 1 kB\n"); err == nil {
		t.Error("parseMeminfo without MemTotal: no error")
	}
}

func TestParseStatm(t *testing.T) {
	got, err := parseStatm([]byte("180562 2916 1829 262 0 13858 0\n"))
	if err != nil || got != 2916 {
		t.Errorf("parseStatm = %d, %v; want 2916", got, err)
	}
	if _, err := parseStatm([]byte("1")); err == nil {
		t.Error("parseStatm of one field: no error")
	}
}

func TestParseCgroupLimit(t *testing.T) {
	for text, want := range map[string]int64{"max\n": 0, "9223372036854771712\n": 0, "536870912\n": 512 << 20, "junk": 0} {
		got, ok := parseCgroupLimit(text)
		if got != want || ok != (want > 0) {
			t.Errorf("parseCgroupLimit(%q) = %d, %v; want %d", text, got, ok, want)
		}
	}
}

func TestCgroupLimitFiles(t *testing.T) {
	v2 := cgroupLimitFiles("0::/user.slice/app\n")
	for _, want := range []string{"/sys/fs/cgroup/user.slice/app/memory.max", "/sys/fs/cgroup/user.slice/memory.max", "/sys/fs/cgroup/memory.max"} {
		if !slices.Contains(v2, want) {
			t.Errorf("v2 files %q lack %s", v2, want)
		}
	}
	v1 := cgroupLimitFiles("5:devices:/\n4:cpu,memory:/docker/abc\n")
	want := []string{"/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "/sys/fs/cgroup/memory/docker/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}
	if !slices.Equal(v1, want) {
		t.Errorf("v1 files = %q, want %q", v1, want)
	}
}
