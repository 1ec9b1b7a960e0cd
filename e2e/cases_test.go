package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kernelCase is one GOPAR-CASE line of a script that drives the kernel
// (testdata/goparkernel.py's report): the case's name and what the script
// saw, as the script named it.
type kernelCase map[string]any

// name is the case's name.
func (c kernelCase) name() string { s, _ := c["case"].(string); return s }

// str is field k as a string ("" when absent or not a string).
func (c kernelCase) str(k string) string { s, _ := c[k].(string); return s }

// num is field k as a number (0 when absent).
func (c kernelCase) num(k string) float64 { f, _ := c[k].(float64); return f }

// obj is field k as an object (nil when absent).
func (c kernelCase) obj(k string) map[string]any { m, _ := c[k].(map[string]any); return m }

// strs is field k as a list of strings.
func (c kernelCase) strs(k string) []string {
	var out []string
	l, _ := c[k].([]any)
	for _, v := range l {
		out = append(out, fmtAny(v))
	}
	return out
}

// fmtAny writes a JSON value as text: strings as they are, others as JSON.
func fmtAny(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// runCases runs the Python script testdata/script with args in env, and
// returns its GOPAR-CASE lines in order. The script's failure, or a
// GOPAR-FATAL line, fails the test with its output.
func runCases(t *testing.T, env []string, limit time.Duration, script string, args ...string) []kernelCase {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{filepath.Join("testdata", script)}, args...)...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var cases []kernelCase
	for _, line := range strings.Split(o.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "GOPAR-CASE "); ok {
			var c kernelCase
			if err := json.Unmarshal([]byte(rest), &c); err != nil {
				t.Fatalf("%s: bad line %q: %v", script, line, err)
			}
			cases = append(cases, c)
		}
	}
	if err != nil {
		t.Fatalf("%s %q: %v\nstdout:\n%s\nstderr:\n%s", script, args, err, o.String(), e.String())
	}
	return cases
}

// errorText is a cell's error reply as one text: ename, evalue and the
// traceback's lines.
func errorText(reply map[string]any) string {
	if reply["status"] != "error" {
		return fmt.Sprintf("status %v", reply["status"])
	}
	var b strings.Builder
	b.WriteString(fmtAny(reply["ename"]) + ": " + fmtAny(reply["evalue"]))
	tb, _ := reply["traceback"].([]any)
	for _, l := range tb {
		b.WriteString("\n" + fmtAny(l))
	}
	return b.String()
}
