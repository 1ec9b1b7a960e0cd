package install

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
)

// The logo: a Go-blue rounded square with two white slanted bars, the sign
// for "parallel". Coordinates are in a unit square, y downwards.

var logoBlue = color.NRGBA{R: 0x00, G: 0xAD, B: 0xD8, A: 0xFF}

// logoBars are the two bars, each a quadrilateral in unit coordinates.
var logoBars = [][4][2]float64{
	{{0.36, 0.20}, {0.50, 0.20}, {0.40, 0.80}, {0.26, 0.80}},
	{{0.60, 0.20}, {0.74, 0.20}, {0.64, 0.80}, {0.50, 0.80}},
}

const logoRadius = 0.18 // corner radius of the square, unit coordinates

// inRoundedSquare reports whether (x, y) lies in the unit rounded square.
func inRoundedSquare(x, y float64) bool {
	if x < 0 || y < 0 || x > 1 || y > 1 {
		return false
	}
	r := logoRadius
	cx := min(max(x, r), 1-r)
	cy := min(max(y, r), 1-r)
	dx, dy := x-cx, y-cy
	return dx*dx+dy*dy <= r*r
}

// inQuad reports whether (x, y) lies in the convex quadrilateral q, given
// clockwise in screen coordinates.
func inQuad(q [4][2]float64, x, y float64) bool {
	for i := range 4 {
		a, b := q[i], q[(i+1)%4]
		if (b[0]-a[0])*(y-a[1])-(b[1]-a[1])*(x-a[0]) < 0 {
			return false
		}
	}
	return true
}

// Logo draws the logo as a size×size image, anti-aliased by 4×4
// supersampling.
func Logo(size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const ss = 4
	for py := range size {
		for px := range size {
			var bg, white int
			for sy := range ss {
				for sx := range ss {
					x := (float64(px) + (float64(sx)+0.5)/ss) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/ss) / float64(size)
					if !inRoundedSquare(x, y) {
						continue
					}
					bg++
					for _, q := range logoBars {
						if inQuad(q, x, y) {
							white++
							break
						}
					}
				}
			}
			if bg == 0 {
				continue
			}
			blue := bg - white
			// Colour averaged over the covered samples; alpha is coverage.
			c := color.NRGBA{
				R: uint8((blue*int(logoBlue.R) + white*255) / bg),
				G: uint8((blue*int(logoBlue.G) + white*255) / bg),
				B: uint8((blue*int(logoBlue.B) + white*255) / bg),
				A: uint8(bg * 255 / (ss * ss)),
			}
			img.SetNRGBA(px, py, c)
		}
	}
	return img
}

// LogoPNG returns the logo encoded as a size×size PNG.
func LogoPNG(size int) ([]byte, error) {
	if size <= 0 {
		return nil, fmt.Errorf("bad logo size %d", size)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, Logo(size)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// LogoSVG returns the logo as an SVG document.
func LogoSVG() string {
	var b bytes.Buffer
	const s = 64.0
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">`+"\n")
	fmt.Fprintf(&b, `  <rect width="64" height="64" rx="%.2f" fill="#00ADD8"/>`+"\n", logoRadius*s)
	for _, q := range logoBars {
		fmt.Fprintf(&b, `  <polygon fill="#FFFFFF" points="%.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f"/>`+"\n",
			q[0][0]*s, q[0][1]*s, q[1][0]*s, q[1][1]*s, q[2][0]*s, q[2][1]*s, q[3][0]*s, q[3][1]*s)
	}
	b.WriteString("</svg>\n")
	return b.String()
}
