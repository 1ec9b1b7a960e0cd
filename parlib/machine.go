package parlib

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Cache is one CPU cache level as Linux describes it in
// /sys/devices/system/cpu/cpu0/cache.
type Cache struct {
	// Level is 1, 2 or 3; Type is "Data", "Instruction" or "Unified".
	Level int
	Type  string
	// Size in bytes.
	Size int64
	// SharedBy is how many logical CPUs share this cache.
	SharedBy int
}

// MachineInfo is the "cartoon of our computer" of the lecture notes: cores,
// caches and memory.
type MachineInfo struct {
	// Model is the CPU model name ("" if unknown).
	Model string
	// Sockets, PhysicalCores and LogicalCPUs count the processor packages,
	// the cores and the hardware threads.
	Sockets, PhysicalCores, LogicalCPUs int
	// GOMAXPROCS is the number of threads Go runs code on at once.
	GOMAXPROCS int
	// L1d, L1i, L2 and L3 are cache sizes in bytes (0 if unknown), as
	// seen by CPU 0.
	L1d, L1i, L2, L3 int64
	// Caches lists every cache level of CPU 0.
	Caches []Cache
	// MemTotal and MemAvailable are bytes of RAM from /proc/meminfo.
	MemTotal, MemAvailable int64
	// OS and Arch are runtime.GOOS and runtime.GOARCH.
	OS, Arch string
}

// Machine describes the machine it runs on, from /proc and /sys on Linux
// (elsewhere only the counts Go knows are filled in).
func Machine() MachineInfo {
	m := MachineInfo{LogicalCPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		OS: runtime.GOOS, Arch: runtime.GOARCH}
	readCPUInfo(&m)
	readTopology(&m)
	readCaches(&m)
	readMemInfo(&m)
	if m.PhysicalCores == 0 {
		m.PhysicalCores = m.LogicalCPUs
	}
	if m.Sockets == 0 {
		m.Sockets = 1
	}
	return m
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// scanFields calls f with the key and value of every "key: value" line of
// the file at path (a /proc file); a missing file is no lines.
func scanFields(path string, f func(key, value string)) {
	file, err := os.Open(path)
	if err != nil {
		return
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok {
			f(strings.TrimSpace(k), v)
		}
	}
}

func readCPUInfo(m *MachineInfo) {
	scanFields("/proc/cpuinfo", func(k, v string) {
		if k == "model name" {
			m.Model = strings.TrimSpace(v)
		}
	})
}

func readTopology(m *MachineInfo) {
	dirs, _ := filepath.Glob("/sys/devices/system/cpu/cpu[0-9]*/topology")
	cores := map[string]bool{}
	sockets := map[string]bool{}
	for _, d := range dirs {
		pkg := readFile(filepath.Join(d, "physical_package_id"))
		core := readFile(filepath.Join(d, "core_id"))
		if pkg == "" || core == "" {
			continue
		}
		sockets[pkg] = true
		cores[pkg+"/"+core] = true
	}
	m.PhysicalCores, m.Sockets = len(cores), len(sockets)
}

// parseSize reads "32K", "1024K", "32M" as bytes.
func parseSize(s string) int64 {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return v * mult
}

// countCPUList counts the CPUs in a list like "0-3,8,10-11".
func countCPUList(s string) int {
	n := 0
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		a, b, isRange := strings.Cut(part, "-")
		if !isRange {
			n++
			continue
		}
		lo, err1 := strconv.Atoi(a)
		hi, err2 := strconv.Atoi(b)
		if err1 == nil && err2 == nil && hi >= lo {
			n += hi - lo + 1
		}
	}
	return n
}

func readCaches(m *MachineInfo) {
	dirs, _ := filepath.Glob("/sys/devices/system/cpu/cpu0/cache/index[0-9]*")
	for _, d := range dirs {
		lvl, err := strconv.Atoi(readFile(filepath.Join(d, "level")))
		if err != nil {
			continue
		}
		c := Cache{Level: lvl, Type: readFile(filepath.Join(d, "type")),
			Size:     parseSize(readFile(filepath.Join(d, "size"))),
			SharedBy: countCPUList(readFile(filepath.Join(d, "shared_cpu_list")))}
		m.Caches = append(m.Caches, c)
		switch {
		case lvl == 1 && c.Type == "Instruction":
			m.L1i = c.Size
		case lvl == 1:
			m.L1d = c.Size
		case lvl == 2:
			m.L2 = c.Size
		case lvl == 3:
			m.L3 = c.Size
		}
	}
}

func readMemInfo(m *MachineInfo) {
	scanFields("/proc/meminfo", func(k, v string) {
		fs := strings.Fields(v)
		if len(fs) == 0 {
			return
		}
		n, _ := strconv.ParseInt(fs[0], 10, 64)
		if len(fs) > 1 && fs[1] == "kB" {
			n <<= 10
		}
		switch k {
		case "MemTotal":
			m.MemTotal = n
		case "MemAvailable":
			m.MemAvailable = n
		}
	})
}

func shortBytes(b int64) string {
	switch {
	case b <= 0:
		return "?"
	case b >= 1<<30 && b%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", b>>30)
	case b >= 1<<20 && b%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", b>>20)
	case b >= 1<<10 && b%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", b>>10)
	}
	return FormatBytes(uint64(b))
}

// String draws the machine as text: cores with their private caches, the
// shared cache and the memory under them.
func (m MachineInfo) String() string {
	var b strings.Builder
	model := m.Model
	if model == "" {
		model = m.Arch
	}
	fmt.Fprintf(&b, "%s — %d socket(s), %d physical cores, %d logical CPUs, GOMAXPROCS=%d (%s/%s)\n",
		model, m.Sockets, m.PhysicalCores, m.LogicalCPUs, m.GOMAXPROCS, m.OS, m.Arch)
	shown := min(m.PhysicalCores, 4)
	const w = 16
	box := func(text string) string {
		if len(text) > w-4 {
			text = text[:w-4]
		}
		pad := w - 4 - len([]rune(text))
		return "| " + text + strings.Repeat(" ", pad) + " |"
	}
	line := func(f func(i int) string) {
		parts := make([]string, shown)
		for i := range parts {
			parts[i] = f(i)
		}
		s := strings.Join(parts, " ")
		if m.PhysicalCores > shown {
			s += " ..."
		}
		b.WriteString(s + "\n")
	}
	edge := "+" + strings.Repeat("-", w-2) + "+"
	line(func(int) string { return edge })
	line(func(i int) string { return box(fmt.Sprintf("core %d", i)) })
	line(func(int) string { return box("L1d " + shortBytes(m.L1d)) })
	line(func(int) string { return box("L1i " + shortBytes(m.L1i)) })
	line(func(int) string { return box("L2  " + shortBytes(m.L2)) })
	line(func(int) string { return edge })
	l3 := "L3 " + shortBytes(m.L3) + " (shared)"
	ram := "RAM " + FormatBytes(uint64(m.MemTotal)) + " (" + FormatBytes(uint64(m.MemAvailable)) + " available)"
	width := max(shown*(w+1)-1, len([]rune(ram))+4, len([]rune(l3))+4)
	rule := "+" + strings.Repeat("-", width-2) + "+\n"
	bar := func(text string) {
		b.WriteString("| " + text + strings.Repeat(" ", width-4-len([]rune(text))) + " |\n")
	}
	b.WriteString(rule)
	bar(l3)
	b.WriteString(rule)
	bar(ram)
	b.WriteString(strings.TrimSuffix(rule, "\n"))
	return b.String()
}
