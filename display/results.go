package display

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"strings"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/parlib"
)

// ScalingTable is a table of scaling studies: threads, best time, speed-up
// and parallel efficiency per thread count (with a label column when there
// are several studies), and the fitted Amdahl serial fraction in the caption.
func ScalingTable(results ...*parlib.ScalingResult) *Table {
	results = nonNil(results)
	labelled := len(results) > 1
	t := &Table{Header: []string{"threads", "time", "speed-up", "efficiency"}}
	if labelled {
		t.Header = append([]string{"label"}, t.Header...)
	}
	var fits []string
	for i, r := range results {
		name := r.Label
		if name == "" && labelled {
			name = fmt.Sprintf("run %d", i+1)
		}
		for _, p := range r.Points {
			row := []any{p.Threads, p.Time, fmt.Sprintf("%.2f×", p.Speedup), fmt.Sprintf("%.0f%%", 100*p.Efficiency)}
			if labelled {
				row = append([]any{name}, row...)
			}
			t.Rows = append(t.Rows, row)
		}
		fit := fmt.Sprintf("serial fraction %.3g", r.SerialFraction)
		if r.SerialFraction > 0 && r.SerialFraction <= 1 {
			fit += fmt.Sprintf(" (speed-up at most %.3g×)", 1/r.SerialFraction)
		}
		if labelled {
			fit = name + ": " + fit
		}
		fits = append(fits, fit)
	}
	t.Caption = "Amdahl fit: " + strings.Join(fits, "; ")
	if len(results) == 1 && results[0].Label != "" {
		t.Caption = results[0].Label + " — " + t.Caption
	}
	return t
}

// BenchTable is a table of benchmarks: runs, min, median, mean and standard
// deviation of the time per call, and allocations per call.
func BenchTable(results ...*parlib.BenchResult) *Table {
	results = nonNil(results)
	t := &Table{Header: []string{"label", "runs", "min", "median", "mean", "± std", "allocs/op", "bytes/op"}}
	for i, r := range results {
		name := r.Label
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		t.Rows = append(t.Rows, []any{name, r.Runs, r.Min, r.Median, r.Mean, r.Std, r.Allocs, parlib.FormatBytes(r.Bytes)})
	}
	return t
}

// TimeTable is a one-row table of a timed call: wall, user and system time,
// CPU time per wall time (about the number of cores kept busy), allocations
// and garbage collections.
func TimeTable(r *parlib.TimeResult) *Table {
	t := &Table{Header: []string{"wall", "user", "sys", "CPU/wall", "allocs", "bytes", "GCs", "GC pause"}}
	if r != nil {
		t.Rows = [][]any{{r.Wall, r.User, r.Sys, cpuPerWall(r), r.Allocs, parlib.FormatBytes(r.Bytes), r.GCs, r.GCPause}}
	}
	return t
}

func cpuPerWall(r *parlib.TimeResult) string {
	if r.Wall <= 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", float64(r.User+r.Sys)/float64(r.Wall))
}

func nonNil[T any](xs []*T) []*T {
	out := make([]*T, 0, len(xs))
	for _, x := range xs {
		if x != nil {
			out = append(out, x)
		}
	}
	return out
}

// stringOf returns v's String method's result, if it has one.
func stringOf(v any) (string, bool) {
	if s, ok := v.(fmt.Stringer); ok {
		return s.String(), true
	}
	return "", false
}

// withPlot is an HTML display of a table followed by a plot (see
// plotHTMLImage), with text as its text/plain.
func withPlot(text string, t *Table, p *Figure) engine.Display {
	html := t.HTML()
	if p != nil {
		w, h := p.size()
		if tag, err := plotHTMLImage(p.Plot, w, h); err == nil {
			html += "\n<br>\n" + tag
		} else {
			html += "\n<p>" + htmlEscape("plot: "+err.Error()) + "</p>"
		}
	}
	return engine.Display{Data: engine.Bundle{"text/plain": text, "text/html": "<div>\n" + html + "\n</div>"}}
}

func scalingDisplay(rs []*parlib.ScalingResult) engine.Display {
	rs = nonNil(rs)
	t := ScalingTable(rs...)
	var fig *Figure
	if len(rs) > 0 {
		fig = &Figure{Plot: SpeedupPlot(rs...)}
	}
	return withPlot(t.Text(), t, fig)
}

// benchDisplay shows benchmarks as a table, and several of them also as bars.
// single is the value rendered when there is one result, for its String.
func benchDisplay(single any, rs []*parlib.BenchResult) engine.Display {
	rs = nonNil(rs)
	t := BenchTable(rs...)
	text := t.Text()
	if s, ok := stringOf(single); ok {
		text = s
	}
	var fig *Figure
	if len(rs) > 1 {
		fig = &Figure{Plot: BenchBars(rs...)}
	}
	return withPlot(text, t, fig)
}

func timeDisplay(r *parlib.TimeResult) engine.Display {
	t := TimeTable(r)
	text, ok := stringOf(r)
	if !ok {
		text = fmt.Sprintf("%s wall, %s user, %s sys, %d allocations (%s), %d GCs (%s pause)",
			parlib.FormatDuration(r.Wall), parlib.FormatDuration(r.User), parlib.FormatDuration(r.Sys),
			r.Allocs, parlib.FormatBytes(r.Bytes), r.GCs, parlib.FormatDuration(r.GCPause))
	}
	return engine.Display{Data: engine.Bundle{"text/plain": text, "text/html": t.HTML()}}
}

// imageDisplay shows an image as PNG.
func imageDisplay(img image.Image) engine.Display {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return engine.Display{Data: engine.Bundle{"text/plain": "image: " + err.Error()}}
	}
	b := img.Bounds()
	return engine.Display{Data: engine.Bundle{
		"image/png":  base64.StdEncoding.EncodeToString(buf.Bytes()),
		"text/plain": fmt.Sprintf("[image %d×%d %T]", b.Dx(), b.Dy(), img),
	}}
}
