package display

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/gopar/gopar/engine"
)

// Plot sizes. A plot is drawn at a size in inches; the PNG has two pixels
// per CSS pixel (192 dpi) so that it is sharp on high-density screens, and its
// metadata asks the frontend to show it at 96 CSS pixels per inch.
const (
	cssDPI    = 96
	pngScale  = 2
	pngDPI    = cssDPI * pngScale
	maxInches = 40
)

var (
	sizeMu     sync.Mutex
	plotWidth  = 6 * vg.Inch
	plotHeight = 4 * vg.Inch
)

// SetPlotSize sets the size at which plots are shown from now on, as a
// cell's last value, through Display, and inside parlib result displays. The
// default is 6×4 inches (576×384 CSS pixels). Non-positive or huge sizes
// (over 40 inches) are ignored.
func SetPlotSize(width, height vg.Length) {
	if !validSize(width, height) {
		return
	}
	sizeMu.Lock()
	plotWidth, plotHeight = width, height
	sizeMu.Unlock()
}

// PlotSize reports the size set by SetPlotSize.
func PlotSize() (width, height vg.Length) {
	sizeMu.Lock()
	defer sizeMu.Unlock()
	return plotWidth, plotHeight
}

func validSize(w, h vg.Length) bool {
	return w > 0 && h > 0 && w <= maxInches*vg.Inch && h <= maxInches*vg.Inch &&
		!math.IsNaN(float64(w)) && !math.IsNaN(float64(h))
}

// Figure is a plot with its own size. As a cell's last value, or passed to
// Display, it shows at Width×Height; a zero size means the size set by
// SetPlotSize.
type Figure struct {
	// Plot is the plot to draw.
	Plot *plot.Plot
	// Width and Height are the drawing size, for example 8*vg.Inch.
	Width, Height vg.Length
}

// MIMEBundle implements MIMEBundler: PNG and text/plain.
func (f Figure) MIMEBundle() map[string]any {
	d := f.display()
	return d.Data
}

// MIMEMetadata implements MIMEMetadataer: the PNG's display size.
func (f Figure) MIMEMetadata() map[string]any {
	w, h := f.size()
	return pngMetadata(w, h)
}

func (f Figure) size() (vg.Length, vg.Length) {
	if validSize(f.Width, f.Height) {
		return f.Width, f.Height
	}
	return PlotSize()
}

func (f Figure) display() engine.Display {
	w, h := f.size()
	return plotDisplay(f.Plot, w, h)
}

// drawing runs draw, turning the panic with which gonum/plot meets some bad
// inputs (the log of 0, for one) into an error.
func drawing(draw func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing the plot: %v", r)
		}
	}()
	return draw()
}

// plotPNG draws p at pngDPI, two pixels per CSS pixel.
func plotPNG(p *plot.Plot, w, h vg.Length) (data []byte, err error) {
	err = drawing(func() error {
		img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(pngDPI))
		p.Draw(draw.New(img))
		data, err = encodePNG(img.Image())
		return err
	})
	return data, err
}

// plotSVG draws p as an SVG document.
func plotSVG(p *plot.Plot, w, h vg.Length) (data []byte, err error) {
	err = drawing(func() error {
		c := vgsvg.New(w, h)
		p.Draw(draw.New(c))
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return err
		}
		data = buf.Bytes()
		return nil
	})
	return data, err
}

// cssPixels converts a length to CSS pixels.
func cssPixels(l vg.Length) int { return int(math.Round(l.Points() / 72 * cssDPI)) }

func pngMetadata(w, h vg.Length) map[string]any {
	return map[string]any{"image/png": map[string]any{"width": cssPixels(w), "height": cssPixels(h)}}
}

// plotDisplay is the display of p: a PNG at two pixels per CSS pixel with
// its CSS size in the metadata, so that it is sharp on high-density screens
// and shown at the plot's size, and text/plain. A plot that fails to draw
// shows as text naming the error.
//
// The bundle holds neither SVG nor HTML, because each would be what some
// frontend picks instead of the PNG, and shows worse: JupyterLab and the
// classic Notebook rank text/html, then image/svg+xml, above image/png;
// nbconvert's HTML export (version 6) passes a bare SVG through an HTML
// cleaner that strips its drawing; GitHub's notebook viewer draws inline SVG
// badly. A PNG every one of them shows, at the size the metadata gives.
func plotDisplay(p *plot.Plot, w, h vg.Length) engine.Display {
	if p == nil {
		return engine.Display{Data: engine.Bundle{"text/plain": "<nil>"}}
	}
	pngData, err := plotPNG(p, w, h)
	if err != nil {
		return engine.Display{Data: engine.Bundle{"text/plain": "plot: " + err.Error()}}
	}
	return engine.Display{
		Data: engine.Bundle{
			"text/plain": plotText(p, w, h),
			"image/png":  base64.StdEncoding.EncodeToString(pngData),
		},
		Metadata: pngMetadata(w, h),
	}
}

func plotText(p *plot.Plot, w, h vg.Length) string {
	title := p.Title.Text
	if title == "" {
		title = "plot"
	}
	return fmt.Sprintf("[%s: %d×%d plot]", title, cssPixels(w), cssPixels(h))
}

// plotHTMLImage is an <img> of p for use inside HTML displays (a table with
// its plot): the SVG as a data URI, sharp at any zoom, with the plot's CSS
// size and its text/plain as the alternative text. An SVG in an <img> runs
// no script, and HTML sanitizers (JupyterLab's, for untrusted notebooks)
// keep it.
func plotHTMLImage(p *plot.Plot, w, h vg.Length) (string, error) {
	svgData, err := plotSVG(p, w, h)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`<img alt="%s" width="%d" height="%d" src="data:image/svg+xml;base64,%s">`,
		htmlEscape(plotText(p, w, h)), cssPixels(w), cssPixels(h), base64.StdEncoding.EncodeToString(svgData)), nil
}
