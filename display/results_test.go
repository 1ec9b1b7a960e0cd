package display

import (
	"encoding/base64"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/gopar/gopar/parlib"
)

func scaling(label string, s float64, threads ...int) *parlib.ScalingResult {
	r := &parlib.ScalingResult{Label: label, SerialFraction: s}
	for _, p := range threads {
		sp := amdahl(s, float64(p))
		r.Points = append(r.Points, parlib.ScalingPoint{
			Threads: p, Time: time.Duration(float64(time.Second) / sp), Speedup: sp, Efficiency: sp / float64(p),
		})
	}
	return r
}

var svgImg = regexp.MustCompile(`<img [^>]*src="data:image/svg\+xml;base64,([^"]+)"`)

func TestRenderScalingResult(t *testing.T) {
	r := scaling("sum", 0.1, 1, 2, 4)
	for _, v := range []any{r, *r, []*parlib.ScalingResult{r, scaling("", 0.3, 1, 2)}, []parlib.ScalingResult{*r}} {
		d, ok := RenderDisplay(v)
		if !ok {
			t.Fatal("not ok")
		}
		checkBundle(t, d.Data)
		html := d.Data["text/html"].(string)
		for _, want := range []string{"<table>", "<th style=\"text-align:right\">speed-up</th>", "efficiency", "1.82×", "91%"} {
			if !strings.Contains(html, want) {
				t.Errorf("%T: HTML lacks %q", v, want)
			}
		}
		m := svgImg.FindStringSubmatch(html)
		if m == nil {
			t.Fatalf("%T: HTML has no SVG plot image", v)
		}
		svg, err := base64.StdEncoding.DecodeString(m[1])
		if err != nil {
			t.Fatal(err)
		}
		checkSVG(t, string(svg))
		if !regexp.MustCompile(`alt="\[Speed-up[^"]*: 576×384 plot\]"`).MatchString(m[0]) {
			t.Errorf("%T: the plot's <img> lacks its alternative text:\n%.300s", v, m[0])
		}
		// The HTML shows the table and the plot: a second copy of the plot
		// as image/png would only make notebooks bigger.
		if len(d.Data) != 2 {
			t.Errorf("%T: bundle has %q, want text/html and text/plain", v, keys(d.Data))
		}
		text := d.Data["text/plain"].(string)
		if !strings.Contains(text, "serial fraction 0.1") || !strings.Contains(text, "threads") {
			t.Errorf("%T: text/plain:\n%s", v, text)
		}
	}
}

func TestRenderBenchAndTime(t *testing.T) {
	b1 := &parlib.BenchResult{Label: "a<b", Runs: 10, Min: time.Millisecond, Median: 2 * time.Millisecond}
	b2 := parlib.BenchResult{Label: "fast", Runs: 20, Median: time.Microsecond}

	d, _ := RenderDisplay(b1)
	checkBundle(t, d.Data)
	if h := d.Data["text/html"].(string); !strings.Contains(h, "a&lt;b") || strings.Contains(h, "<img") {
		t.Errorf("single bench HTML:\n%s", h)
	}
	d, _ = RenderDisplay([]parlib.BenchResult{*b1, b2})
	checkBundle(t, d.Data)
	if h := d.Data["text/html"].(string); !svgImg.MatchString(h) || strings.Count(h, "<tr>") != 3 {
		t.Errorf("bench comparison lacks table rows or bars:\n%.300s", h)
	}

	tr := parlib.TimeResult{Wall: time.Second, User: 1900 * time.Millisecond, Sys: 100 * time.Millisecond, Allocs: 3}
	for _, v := range []any{tr, &tr} {
		d, _ = RenderDisplay(v)
		checkBundle(t, d.Data)
		if h := d.Data["text/html"].(string); !strings.Contains(h, "CPU/wall") || !strings.Contains(h, ">2.00<") {
			t.Errorf("time HTML:\n%s", h)
		}
	}
}

func TestRenderMatrix(t *testing.T) {
	b, _ := Render(mat.NewDense(2, 2, []float64{1, 2, 3, 4}))
	text := b["text/plain"].(string)
	if !strings.HasPrefix(text, "2×2 *mat.Dense\n") || !strings.Contains(text, "3  4") {
		t.Errorf("matrix text:\n%s", text)
	}
}

func TestExperimentPlotsDraw(t *testing.T) {
	for name, p := range map[string]any{
		"speedup":       SpeedupPlot(scaling("a", 0.05, 1, 2, 4, 8), nil, scaling("", 0.2, 1, 2)),
		"speedup empty": SpeedupPlot(),
		"speedup NaN":   SpeedupPlot(&parlib.ScalingResult{Points: []parlib.ScalingPoint{{Threads: 1, Speedup: math.NaN()}}}),
		"bars":          Bars("five", []string{"a", "b", "c"}, []float64{3, 1, math.Inf(1)}, "s"),
		"bars empty":    Bars("none", nil, nil, ""),
		"bench bars":    BenchBars(&parlib.BenchResult{Median: time.Millisecond}, nil),
		"loglog":        LogLog("t", "n", "s", []float64{10, 100, 0, 1000}, []float64{1, 4, 5, 16}),
		"loglog empty":  LogLog("t", "n", "s", nil, nil),
		"size scaling":  SizeScaling("sieve", []int{1e3, 1e4, 1e5}, []time.Duration{time.Microsecond, 10 * time.Microsecond, 100 * time.Microsecond}),
		"duration bars": DurationBars("t", []string{"x", "y"}, []time.Duration{time.Second, time.Millisecond}),
	} {
		d, _ := RenderDisplay(p)
		if _, ok := d.Data["image/png"]; !ok {
			t.Errorf("%s: no PNG: %v", name, d.Data["text/plain"])
			continue
		}
		decodeImage(t, d.Data, "image/png")
		// Tables with plots show them as SVG.
		svg, err := plotSVG(p.(*plot.Plot), 6*vg.Inch, 4*vg.Inch)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkSVG(t, string(svg))
	}
}

func TestBrokenPlotShowsError(t *testing.T) {
	p := plot.New()
	p.Y.Scale = plot.LogScale{} // gonum panics drawing a log axis that reaches 0
	s, _ := plotter.NewScatter(plotter.XYs{{X: 1, Y: 0}, {X: 2, Y: 1}})
	p.Add(s)
	b, ok := Render(p)
	if !ok || len(b) != 1 || !strings.HasPrefix(b["text/plain"].(string), "plot: drawing the plot:") {
		t.Errorf("broken plot rendered as %v", b)
	}
}

func TestPowerFit(t *testing.T) {
	xys := plotter.XYs{{X: 10, Y: 300}, {X: 100, Y: 30000}, {X: 1000, Y: 3e6}}
	k, c, ok := powerFit(xys)
	if !ok || math.Abs(k-2) > 1e-9 || math.Abs(c-3) > 1e-9 {
		t.Errorf("powerFit = %v, %v, %v; want 2, 3", k, c, ok)
	}
	if _, _, ok := powerFit(xys[:1]); ok {
		t.Error("fit of one point ok")
	}
}

func TestTickLabel(t *testing.T) {
	for v, want := range map[float64]string{1e6: "1e6", 1e-5: "1e-5", 1000: "1000", 0.01: "0.01", 1e12: "1e12"} {
		if got := tickLabel(v); got != want {
			t.Errorf("tickLabel(%g) = %q, want %q", v, got, want)
		}
	}
}
