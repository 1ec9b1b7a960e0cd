package display

import (
	"testing"
)

// BenchmarkRenderPlot measures what showing one plot costs: both images
// (what Render does), and each alone.
func BenchmarkRenderPlot(b *testing.B) {
	p := samplePlot(b)
	w, h := PlotSize()
	b.Run("png+svg", func(b *testing.B) {
		for b.Loop() {
			plotDisplay(p, w, h)
		}
	})
	b.Run("png", func(b *testing.B) {
		for b.Loop() {
			plotPNG(p, w, h)
		}
	})
	b.Run("svg", func(b *testing.B) {
		for b.Loop() {
			plotSVG(p, w, h)
		}
	})
	b.Run("scaling result", func(b *testing.B) {
		r := scaling("s", 0.1, 1, 2, 4, 8)
		for b.Loop() {
			Render(r)
		}
	})
}
