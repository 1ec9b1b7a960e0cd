package display

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/gopar/gopar/parlib"
)

// palette is the line colours of the experiment plots, in order (the
// familiar ten-colour "category" palette).
var palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
	{0xd6, 0x27, 0x28, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
	{0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff}, {0xbc, 0xbd, 0x22, 0xff},
	{0x17, 0xbe, 0xcf, 0xff},
}

// Color is the i-th colour of the palette the experiment plots use, for
// cells that add their own lines in the same style.
func Color(i int) color.Color { return palette[((i%len(palette))+len(palette))%len(palette)] }

var gray = color.RGBA{0x99, 0x99, 0x99, 0xff}

// newPlot is a plot with a title, axis labels and a light grid.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{0xe4}
	g.Horizontal.Color = color.Gray{0xe4}
	p.Add(g)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(8)
	p.Legend.YOffs = -vg.Points(4)
	p.Legend.Padding = vg.Points(3)
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Legend.ThumbnailWidth = vg.Points(24)
	return p
}

func finite(xs ...float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// amdahl is the speed-up on p threads with serial fraction s.
func amdahl(s, p float64) float64 { return 1 / (s + (1-s)/p) }

// SpeedupPlot plots the speed-up of scaling studies against the number of
// threads: one line of measured points per result, its fitted Amdahl curve
// (dashed, same colour, serial fraction in the legend), and the ideal linear
// speed-up (grey).
func SpeedupPlot(results ...*parlib.ScalingResult) *plot.Plot {
	title := "Speed-up"
	if len(results) == 1 && results[0] != nil && results[0].Label != "" {
		title = "Speed-up: " + results[0].Label
	}
	p := newPlot(title, "threads", "speed-up")
	maxT, maxS := 1.0, 1.0
	var ticks []plot.Tick
	seen := map[int]bool{}
	var fits []*plotter.Function
	for i, r := range results {
		if r == nil {
			continue
		}
		var xys plotter.XYs
		for _, pt := range r.Points {
			if pt.Threads <= 0 || !finite(pt.Speedup) {
				continue
			}
			xys = append(xys, plotter.XY{X: float64(pt.Threads), Y: pt.Speedup})
			maxT = math.Max(maxT, float64(pt.Threads))
			maxS = math.Max(maxS, pt.Speedup)
			if !seen[pt.Threads] {
				seen[pt.Threads] = true
				ticks = append(ticks, plot.Tick{Value: float64(pt.Threads), Label: strconv.Itoa(pt.Threads)})
			}
		}
		if len(xys) == 0 {
			continue
		}
		name := r.Label
		if name == "" {
			name = "measured"
			if len(results) > 1 {
				name = fmt.Sprintf("run %d", i+1)
			}
		}
		line, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			continue
		}
		c := Color(i)
		line.Color, pts.Color = c, c
		line.Width = vg.Points(1.5)
		pts.Shape = draw.CircleGlyph{}
		pts.Radius = vg.Points(3)
		p.Add(line, pts)
		p.Legend.Add(name, line, pts)
		if s := r.SerialFraction; finite(s) && s >= 0 && s <= 1 {
			minT := xys[0].X
			for _, xy := range xys {
				minT = math.Min(minT, xy.X)
			}
			f := plotter.NewFunction(func(t float64) float64 { return amdahl(s, t) })
			f.XMin = math.Min(1, minT) // XMax is set once maxT is known
			fits = append(fits, f)
			f.Color = c
			f.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			f.Width = vg.Points(1)
			p.Add(f)
			p.Legend.Add(fmt.Sprintf("Amdahl fit, serial fraction %.3g", s), f)
		}
	}
	for _, f := range fits {
		f.XMax = maxT
	}
	ideal := plotter.NewFunction(func(t float64) float64 { return t })
	ideal.XMin, ideal.XMax = 0, maxT
	ideal.Color = gray
	ideal.Width = vg.Points(1)
	ideal.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
	p.Add(ideal)
	p.Legend.Add("ideal (linear)", ideal)
	p.X.Min, p.X.Max = 0, maxT*1.05
	p.Y.Min, p.Y.Max = 0, math.Max(maxT, maxS)*1.05
	if len(ticks) > 0 && len(ticks) <= 16 {
		slices.SortFunc(ticks, func(a, b plot.Tick) int { return int(a.Value - b.Value) })
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
	}
	return p
}

// Bars is a horizontal bar chart comparing values, one bar per label, the
// first label at the top, each bar annotated with its value and unit. It suits
// a comparison of timed variants ("sieve", "trial division", ...); unit names
// the values' unit ("ms", "s", "GB/s") and labels the axis.
func Bars(title string, labels []string, values []float64, unit string) *plot.Plot {
	text := make([]string, len(values))
	for i, v := range values {
		text[i] = formatFloat(roundSig(v, 4))
		if unit != "" {
			text[i] += " " + unit
		}
	}
	return bars(title, unit, labels, values, text)
}

// bars draws the bar chart; valueText labels the bars.
func bars(title, axis string, labels []string, values []float64, valueText []string) *plot.Plot {
	p := newPlot(title, axis, "")
	n := min(len(labels), len(values), len(valueText))
	if n == 0 {
		return p
	}
	// Reverse, so that the first label is drawn at the top.
	vals := make(plotter.Values, n)
	names := make([]string, n)
	text := make([]string, n)
	xys := make(plotter.XYs, n)
	maxV := 0.0
	for i := range n {
		j := n - 1 - i
		v := values[i]
		if !finite(v) {
			v = 0
		}
		vals[j], names[j] = v, labels[i]
		text[j] = valueText[i]
		xys[j] = plotter.XY{X: v, Y: float64(j)}
		maxV = math.Max(maxV, v)
	}
	_, h := PlotSize()
	width := min(vg.Points(32), h*0.5/vg.Length(n))
	bars, err := plotter.NewBarChart(vals, max(width, vg.Points(2)))
	if err != nil {
		return p
	}
	bars.Horizontal = true
	bars.Color = Color(0)
	bars.LineStyle.Width = 0
	p.Add(bars)
	if lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: text}); err == nil {
		lb.Offset = vg.Point{X: vg.Points(4), Y: -vg.Points(4)}
		p.Add(lb)
	}
	p.NominalY(names...)
	p.X.Min = 0
	if maxV > 0 {
		p.X.Max = maxV * 1.25 // room for the value labels
	}
	p.Y.Min, p.Y.Max = -0.6, float64(n)-0.4
	return p
}

// roundSig rounds f to n significant digits.
func roundSig(f float64, n int) float64 {
	if f == 0 || !finite(f) {
		return f
	}
	scale := math.Pow(10, float64(n)-math.Ceil(math.Log10(math.Abs(f))))
	return math.Round(f*scale) / scale
}

// durationUnit picks the unit in which d reads best.
func durationUnit(d time.Duration) (string, time.Duration) {
	switch {
	case d < time.Microsecond:
		return "ns", time.Nanosecond
	case d < time.Millisecond:
		return "µs", time.Microsecond
	case d < time.Second:
		return "ms", time.Millisecond
	}
	return "s", time.Second
}

// DurationBars is Bars for durations, in the unit that suits the longest.
func DurationBars(title string, labels []string, times []time.Duration) *plot.Plot {
	unit, scale := durationUnit(slices.Max(append([]time.Duration{0}, times...)))
	vals := make([]float64, len(times))
	text := make([]string, len(times))
	for i, t := range times {
		vals[i] = float64(t) / float64(scale)
		text[i] = parlib.FormatDuration(t)
	}
	return bars(title, "time ("+unit+")", labels, vals, text)
}

// BenchBars compares benchmarks by their median time per call, as bars.
func BenchBars(results ...*parlib.BenchResult) *plot.Plot {
	var labels []string
	var times []time.Duration
	for i, r := range results {
		if r == nil {
			continue
		}
		l := r.Label
		if l == "" {
			l = fmt.Sprintf("#%d", i+1)
		}
		labels = append(labels, l)
		times = append(times, r.Median)
	}
	return DurationBars("Median time per call", labels, times)
}

// LogLog plots ys against xs on logarithmic axes, with the power law
// y = c·x^k fitted by least squares (dashed line; k in the legend), which
// shows how a cost grows with the size of the work: k≈1 is linear, k≈2
// quadratic. Points with a non-positive coordinate are left out.
func LogLog(title, xlabel, ylabel string, xs, ys []float64) *plot.Plot {
	p := newPlot(title, xlabel, ylabel)
	var xys plotter.XYs
	for i := range min(len(xs), len(ys)) {
		if xs[i] > 0 && ys[i] > 0 && finite(xs[i], ys[i]) {
			xys = append(xys, plotter.XY{X: xs[i], Y: ys[i]})
		}
	}
	if len(xys) == 0 {
		return p
	}
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = logTicks{}, logTicks{}
	line, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return p
	}
	line.Color, pts.Color = Color(0), Color(0)
	line.Width = vg.Points(1.5)
	pts.Shape = draw.CircleGlyph{}
	pts.Radius = vg.Points(3)
	p.Add(line, pts)
	p.Legend.Add("measured", line, pts)
	if k, c, ok := powerFit(xys); ok {
		lo, hi := xys[0].X, xys[0].X
		for _, xy := range xys {
			lo, hi = math.Min(lo, xy.X), math.Max(hi, xy.X)
		}
		f := plotter.NewFunction(func(x float64) float64 { return c * math.Pow(x, k) })
		f.XMin, f.XMax = lo, hi
		f.Color = gray
		f.Width = vg.Points(1)
		f.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(f)
		p.Legend.Add(fmt.Sprintf("fit: slope %.3g (y ~ x^%.3g)", k, k), f)
	}
	// Log ticks need a range spanning a power of ten to show labels; widen
	// narrow ranges to the enclosing decades.
	p.X.Min, p.X.Max = decades(xys, func(xy plotter.XY) float64 { return xy.X })
	p.Y.Min, p.Y.Max = decades(xys, func(xy plotter.XY) float64 { return xy.Y })
	return p
}

func decades(xys plotter.XYs, get func(plotter.XY) float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, xy := range xys {
		lo, hi = math.Min(lo, get(xy)), math.Max(hi, get(xy))
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	if hi <= lo {
		hi = lo * 10
	}
	return lo, hi
}

// powerFit fits log y = log c + k log x by least squares; ok is false with
// fewer than two distinct xs.
func powerFit(xys plotter.XYs) (k, c float64, ok bool) {
	var n, sx, sy, sxx, sxy float64
	for _, xy := range xys {
		lx, ly := math.Log(xy.X), math.Log(xy.Y)
		n++
		sx += lx
		sy += ly
		sxx += lx * lx
		sxy += lx * ly
	}
	den := n*sxx - sx*sx
	if n < 2 || math.Abs(den) < 1e-12 {
		return 0, 0, false
	}
	k = (n*sxy - sx*sy) / den
	c = math.Exp((sy - k*sx) / n)
	return k, c, finite(k, c)
}

// SizeScaling plots run time against problem size on log-log axes (see
// LogLog), in the time unit that suits the data.
func SizeScaling(title string, sizes []int, times []time.Duration) *plot.Plot {
	unit, scale := durationUnit(slices.Min(append([]time.Duration{time.Hour}, times...)))
	xs := make([]float64, len(sizes))
	for i, s := range sizes {
		xs[i] = float64(s)
	}
	ys := make([]float64, len(times))
	for i, t := range times {
		ys[i] = float64(t) / float64(scale)
	}
	return LogLog(title, "problem size", "time ("+unit+")", xs, ys)
}

// logTicks are plot.LogTicks labelled "1e6" rather than "1e+06".
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.LogTicks{Prec: -1}.Ticks(min, max)
	for i, t := range ts {
		if t.Label != "" {
			ts[i].Label = tickLabel(t.Value)
		}
	}
	return ts
}

// tickLabel is a power of ten as "1e6" for large and small numbers and
// plainly ("1000", "0.01") in between.
func tickLabel(v float64) string {
	if v >= 1e-3 && v < 1e5 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	mant, exp, _ := strings.Cut(strconv.FormatFloat(v, 'e', -1, 64), "e") // 1e+06
	e, _ := strconv.Atoi(exp)
	return mant + "e" + strconv.Itoa(e)
}
