package display

import (
	"bytes"
	"cmp"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"slices"
)

// paletteCoverage is the share of an image's pixels that its 256 most
// common colours must cover for encodePNG to write it with that palette.
// A plot is a few flat colours and the anti-aliased shades at their edges:
// the 256 most common colours cover 98.5–99.99 % of the pixels of the
// notebooks' plots, and the rest, all edge shades, take the nearest
// colour of the palette. A photograph or a heat map covers far less, and
// is written in full colour.
const paletteCoverage = 0.98

// encodePNG encodes img as a PNG, small enough to store several in a
// notebook: with a palette of its 256 most common colours when they cover
// nearly every pixel (paletteCoverage), which takes a plot drawn at two
// pixels per CSS pixel from about 70 KB to about 30 KB, and in full colour
// otherwise.
func encodePNG(img image.Image) ([]byte, error) {
	var out image.Image = img
	if p := palettedImage(img); p != nil {
		out = p
	}
	var buf bytes.Buffer
	err := (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, out)
	return buf.Bytes(), err
}

// palettedImage returns img with a palette of its 256 most common colours,
// or nil when they cover less than paletteCoverage of its pixels.
func palettedImage(img image.Image) *image.Paletted {
	src, ok := img.(*image.RGBA)
	if !ok {
		b := img.Bounds()
		src = image.NewRGBA(b)
		draw.Draw(src, b, img, b.Min, draw.Src)
	}
	b := src.Bounds()
	total := b.Dx() * b.Dy()
	if total == 0 {
		return nil
	}
	counts := map[color.RGBA]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := src.Pix[src.PixOffset(b.Min.X, y):src.PixOffset(b.Max.X, y)]
		for i := 0; i < len(row); i += 4 {
			counts[color.RGBA{row[i], row[i+1], row[i+2], row[i+3]}]++
		}
	}
	type colorCount struct {
		c color.RGBA
		n int
	}
	byCount := make([]colorCount, 0, len(counts))
	for c, n := range counts {
		byCount = append(byCount, colorCount{c, n})
	}
	// Most common first; ties in a fixed order, so that the same image
	// always encodes to the same bytes.
	slices.SortFunc(byCount, func(a, b colorCount) int {
		if a.n != b.n {
			return cmp.Compare(b.n, a.n)
		}
		return cmp.Compare(rgbaKey(a.c), rgbaKey(b.c))
	})
	byCount = byCount[:min(256, len(byCount))]
	covered := 0
	pal := make(color.Palette, len(byCount))
	index := make(map[color.RGBA]uint8, len(counts))
	for i, cc := range byCount {
		covered += cc.n
		pal[i] = cc.c
		index[cc.c] = uint8(i)
	}
	if float64(covered) < paletteCoverage*float64(total) {
		return nil
	}
	dst := image.NewPaletted(b, pal)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := src.Pix[src.PixOffset(b.Min.X, y):src.PixOffset(b.Max.X, y)]
		out := dst.Pix[dst.PixOffset(b.Min.X, y):dst.PixOffset(b.Max.X, y)]
		for i := range out {
			c := color.RGBA{row[4*i], row[4*i+1], row[4*i+2], row[4*i+3]}
			k, ok := index[c]
			if !ok {
				k = uint8(pal.Index(c))
				index[c] = k
			}
			out[i] = k
		}
	}
	return dst
}

func rgbaKey(c color.RGBA) uint32 {
	return uint32(c.R)<<24 | uint32(c.G)<<16 | uint32(c.B)<<8 | uint32(c.A)
}
