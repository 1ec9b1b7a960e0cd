package display

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"testing"

	"gonum.org/v1/plot/vg"
	plotdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// decodePNG decodes b, failing the test unless it is a PNG.
func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

// differing counts the pixels where a and b differ.
func differing(a, b image.Image) int {
	n := 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				n++
			}
		}
	}
	return n
}

// An image of a few colours is written with a palette, losslessly.
func TestEncodePNGFewColours(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(5, 5, 20, 20), image.NewUniform(color.RGBA{200, 30, 30, 255}), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(25, 0, 26, 30), image.NewUniform(color.RGBA{0, 0, 0, 128}), image.Point{}, draw.Src)
	b, err := encodePNG(img)
	if err != nil {
		t.Fatal(err)
	}
	got := decodePNG(t, b)
	if _, ok := got.(*image.Paletted); !ok {
		t.Errorf("decodes as %T, want a paletted image", got)
	}
	if n := differing(img, got); n != 0 {
		t.Errorf("%d pixels changed", n)
	}
}

// An image of many colours spread evenly (a gradient, a photograph, a heat
// map) stays in full colour, losslessly.
func TestEncodePNGManyColours(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for y := range 256 {
		for x := range 256 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	b, err := encodePNG(img)
	if err != nil {
		t.Fatal(err)
	}
	got := decodePNG(t, b)
	if _, ok := got.(*image.Paletted); ok {
		t.Error("a 65536-colour image was written with a palette")
	}
	if n := differing(img, got); n != 0 {
		t.Errorf("%d pixels changed", n)
	}
}

// A plot is written with a palette, at well under half the size of the
// full-colour PNG, and looks the same: only a few edge pixels take the
// nearest colour of the palette.
func TestEncodePNGPlot(t *testing.T) {
	p := SpeedupPlot(scaling("a", 0.05, 1, 2, 4, 8), scaling("b", 0.2, 1, 2, 4, 8), scaling("c", 0.5, 1, 2, 4, 8))
	c := vgimg.NewWith(vgimg.UseWH(6*vg.Inch, 4*vg.Inch), vgimg.UseDPI(pngDPI))
	p.Draw(plotdraw.New(c))
	full := c.Image()
	var ref bytes.Buffer
	if err := png.Encode(&ref, full); err != nil {
		t.Fatal(err)
	}
	b, err := encodePNG(full)
	if err != nil {
		t.Fatal(err)
	}
	got := decodePNG(t, b)
	if _, ok := got.(*image.Paletted); !ok {
		t.Errorf("plot decodes as %T, want a paletted image", got)
	}
	if len(b) > ref.Len()/2 {
		t.Errorf("plot PNG is %d bytes, full colour %d: want under half", len(b), ref.Len())
	}
	bounds := full.Bounds()
	if n, total := differing(full, got), bounds.Dx()*bounds.Dy(); float64(n) > (1-paletteCoverage)*float64(total) {
		t.Errorf("%d of %d pixels changed, want at most %.0f%%", n, total, 100*(1-paletteCoverage))
	}
	t.Logf("plot PNG %d bytes (full colour %d)", len(b), ref.Len())
}

// The same image always encodes to the same bytes, so that re-running a
// notebook changes only the plots that changed.
func TestEncodePNGDeterministic(t *testing.T) {
	p := samplePlot(t)
	a, err := plotPNG(p, 3*vg.Inch, 2*vg.Inch)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		b, err := plotPNG(p, 3*vg.Inch, 2*vg.Inch)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatal("the same plot encoded to different PNGs")
		}
	}
}
