package display

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/gopar/gopar/engine"
)

// fakeSink records what display sends.
type fakeSink struct {
	mu     sync.Mutex
	shown  []engine.Display
	clears []bool
}

func (f *fakeSink) Display(d engine.Display) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shown = append(f.shown, d)
}

func (f *fakeSink) Clear(wait bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clears = append(f.clears, wait)
}

func (f *fakeSink) displays() []engine.Display {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]engine.Display(nil), f.shown...)
}

// withSink installs a fresh fake sink for the test.
func withSink(t *testing.T) *fakeSink {
	t.Helper()
	f := &fakeSink{}
	SetSink(f)
	t.Cleanup(func() { SetSink(nil) })
	return f
}

// checkBundle fails unless b carries text/plain as a string.
func checkBundle(t *testing.T, b engine.Bundle) {
	t.Helper()
	if s, ok := b["text/plain"].(string); !ok {
		t.Fatalf("bundle without text/plain string: %v", keys(b))
	} else if s == "" {
		t.Errorf("empty text/plain in %v", keys(b))
	}
}

func keys(b engine.Bundle) []string {
	var ks []string
	for k := range b {
		ks = append(ks, k)
	}
	return ks
}

// decodeImage decodes a base64 image of the given MIME type.
func decodeImage(t *testing.T, b engine.Bundle, mime string) image.Image {
	t.Helper()
	s, ok := b[mime].(string)
	if !ok {
		t.Fatalf("no %s string in bundle %v", mime, keys(b))
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("%s is not base64: %v", mime, err)
	}
	if mime == "image/png" && !bytes.HasPrefix(raw, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("image/png lacks the PNG signature: % x", raw[:min(8, len(raw))])
	}
	img, format, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s does not decode: %v", mime, err)
	}
	if "image/"+format != mime {
		t.Fatalf("%s decodes as %s", mime, format)
	}
	return img
}

// checkSVG fails unless s is well-formed XML with an <svg> root.
func checkSVG(t *testing.T, s string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(s))
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Fatalf("SVG root element is %q, want svg", root)
	}
}

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCellFunctionsEmit(t *testing.T) {
	f := withSink(t)
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 3, 2)), nil); err != nil {
		t.Fatal(err)
	}
	const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/></svg>`
	HTML("<p>Hello <b>world</b> &amp; all</p>")
	Markdown("# Title")
	LaTeX(`$x^2$`)
	Math(`\sum_i x_i`)
	SVG(svg)
	PNG(testPNG(t, 4, 3))
	JPEG(jpg.Bytes())
	JSON(map[string]any{"a": 1, "b": []int{2, 3}})
	Text("plain")
	Clear(true)

	got := f.displays()
	want := []string{"text/html", "text/markdown", "text/latex", "text/latex", "image/svg+xml", "image/png", "image/jpeg", "application/json", "text/plain"}
	if len(got) != len(want) {
		t.Fatalf("got %d displays, want %d", len(got), len(want))
	}
	for i, d := range got {
		checkBundle(t, d.Data)
		if _, ok := d.Data[want[i]]; !ok {
			t.Errorf("display %d: no %s in %v", i, want[i], keys(d.Data))
		}
		if d.ID != "" || d.Update {
			t.Errorf("display %d: plain display_data expected, got id %q update %v", i, d.ID, d.Update)
		}
	}
	if s := got[0].Data["text/plain"]; s != "Hello world & all" {
		t.Errorf("HTML text/plain = %q", s)
	}
	if s := got[3].Data["text/latex"]; s != `$$\sum_i x_i$$` {
		t.Errorf("Math = %q", s)
	}
	checkSVG(t, got[4].Data["image/svg+xml"].(string))
	if img := decodeImage(t, got[5].Data, "image/png"); img.Bounds().Dx() != 4 {
		t.Errorf("PNG width %d", img.Bounds().Dx())
	}
	if s := got[5].Data["text/plain"]; s != "[PNG image 4×3]" {
		t.Errorf("PNG text/plain = %q", s)
	}
	decodeImage(t, got[6].Data, "image/jpeg")
	js := got[7].Data["application/json"].(map[string]any)
	if len(js["b"].([]any)) != 2 {
		t.Errorf("JSON data = %v", js)
	}
	if len(f.clears) != 1 || !f.clears[0] {
		t.Errorf("Clear(true) sent %v", f.clears)
	}
}

func TestInvalidImagesShowText(t *testing.T) {
	f := withSink(t)
	PNG([]byte("not a png"))
	JPEG(nil)
	for _, d := range f.displays() {
		checkBundle(t, d.Data)
		if len(d.Data) != 1 {
			t.Errorf("invalid image data sent %v", keys(d.Data))
		}
	}
}

func TestJSONVariants(t *testing.T) {
	b := JSONValue{Value: `{"x": [1, 2.5]}`}.MIMEBundle()
	if m, ok := b["application/json"].(map[string]any); !ok || len(m["x"].([]any)) != 2 {
		t.Errorf("JSON text not decoded: %#v", b["application/json"])
	}
	b = JSONValue{Value: "just a string"}.MIMEBundle()
	if b["application/json"] != "just a string" {
		t.Errorf("plain string = %#v", b["application/json"])
	}
	b = JSONValue{Value: make(chan int)}.MIMEBundle()
	if _, ok := b["application/json"]; ok || !strings.Contains(b["text/plain"].(string), "unsupported type") {
		t.Errorf("unencodable value: %v", b)
	}
}

func TestNoSinkDiscards(t *testing.T) {
	SetSink(nil)
	HTML("<b>x</b>") // must not panic
	Clear(false)
	Display(1).Update(2)
}

func TestRenderNilAndShown(t *testing.T) {
	if _, ok := Render(nil); ok {
		t.Error("Render(nil) ok")
	}
	SetSink(nil)
	if _, ok := Render(Display("x")); ok {
		t.Error("Render(*Handle) ok: a displayed value would show twice")
	}
	if _, ok := Render(NewProgress(3, "p")); ok {
		t.Error("Render(*Progress) ok")
	}
	var p *plot.Plot
	b, ok := Render(p)
	if !ok || b["text/plain"] != "<nil>" || len(b) != 1 {
		t.Errorf("Render(nil *plot.Plot) = %v, %v", b, ok)
	}
}

type point struct{ X, Y int }

type celsius float64

func (c celsius) String() string { return "20°C" }

func TestPlainText(t *testing.T) {
	long := make([]int, 250)
	for i := range long {
		long[i] = i
	}
	s := "x"
	tests := []struct {
		v    any
		want string
	}{
		{"hi\n", `"hi\n"`},
		{42, "42"},
		{3.5, "3.5"},
		{point{1, 2}, "{X:1 Y:2}"},
		{&point{1, 2}, "&{X:1 Y:2}"},
		{[]point{{1, 2}}, "[{X:1 Y:2}]"},
		{[]string{"a", "b c"}, `["a" "b c"]`},
		{map[string]int{"b": 2, "a": 1}, "map[a:1 b:2]"},
		{map[int]string{1: "x"}, "map[1:x]"},
		{map[string]string{"k": "v"}, `map["k":"v"]`},
		{errors.New("boom"), "boom"},
		{celsius(20), "20°C"},
		{time.Second + 500*time.Millisecond, "1.5s"},
		{[]celsius{1}, "[20°C]"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.v); got != tt.want {
			t.Errorf("PlainText(%#v) = %q, want %q", tt.v, got, tt.want)
		}
		b, ok := Render(tt.v)
		if !ok || b["text/plain"] != tt.want || len(b) != 1 {
			t.Errorf("Render(%#v) = %v, %v", tt.v, b, ok)
		}
	}
	if got := PlainText(&s); !strings.HasPrefix(got, "0x") {
		t.Errorf("PlainText(*string) = %q, want an address", got)
	}
	got := PlainText(long)
	if !strings.HasPrefix(got, "[0 1 2 ") || !strings.HasSuffix(got, " 98 99 … 150 more]") {
		t.Errorf("long slice = %q", got)
	}
	huge := PlainText(strings.Repeat("é", 20000))
	if len(huge) > MaxTextBytes+40 || !strings.HasSuffix(huge, "more bytes)") {
		t.Errorf("long text not cut: %d bytes, ends %q", len(huge), huge[len(huge)-30:])
	}
}

// rich implements MIMEBundler with raw image bytes and metadata.
type rich struct{ png []byte }

func (r rich) MIMEBundle() map[string]any {
	return map[string]any{"image/png": r.png, "text/html": []byte("<i>r</i>")}
}

func (r rich) MIMEMetadata() map[string]any {
	return map[string]any{"image/png": map[string]any{"width": 2}}
}

type htmlOnly struct{}

func (htmlOnly) HTML() string     { return "<b>h</b>" }
func (htmlOnly) Markdown() string { return "**h**" }

type panicky struct{}

func (panicky) HTML() string { panic("no html today") }

func TestRenderUserTypes(t *testing.T) {
	d, ok := RenderDisplay(rich{testPNG(t, 2, 2)})
	if !ok {
		t.Fatal("not ok")
	}
	checkBundle(t, d.Data)
	decodeImage(t, d.Data, "image/png")
	if d.Data["text/html"] != "<i>r</i>" {
		t.Errorf("[]byte text not converted: %#v", d.Data["text/html"])
	}
	if d.Metadata["image/png"] == nil {
		t.Error("metadata lost")
	}

	b, _ := Render(htmlOnly{})
	checkBundle(t, b)
	if b["text/html"] != "<b>h</b>" || b["text/markdown"] != "**h**" {
		t.Errorf("HTMLer/Markdowner bundle = %v", b)
	}

	b, ok = Render(panicky{})
	if !ok || !strings.Contains(b["text/plain"].(string), "no html today") || len(b) != 1 {
		t.Errorf("panicking HTML method: %v %v", b, ok)
	}

	b, _ = Render(HTMLText("<b>x</b>"))
	if b["text/html"] != "<b>x</b>" || b["text/plain"] != "x" {
		t.Errorf("HTMLText = %v", b)
	}
}

func TestRenderImage(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 7, 5))
	b, ok := Render(img)
	if !ok {
		t.Fatal("not ok")
	}
	checkBundle(t, b)
	got := decodeImage(t, b, "image/png")
	if got.Bounds() != img.Bounds() {
		t.Errorf("decoded bounds %v", got.Bounds())
	}
}

func samplePlot(t testing.TB) *plot.Plot {
	p := plot.New()
	p.Title.Text = "sin"
	xys := make(plotter.XYs, 100)
	for i := range xys {
		xys[i] = plotter.XY{X: float64(i), Y: float64(i * i)}
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		t.Fatal(err)
	}
	p.Add(l)
	p.X.Label.Text = "x"
	p.Y.Label.Text = "x²"
	return p
}

func TestRenderPlot(t *testing.T) {
	d, ok := RenderDisplay(samplePlot(t))
	if !ok {
		t.Fatal("not ok")
	}
	checkBundle(t, d.Data)
	img := decodeImage(t, d.Data, "image/png")
	if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != 1152 || h != 768 {
		t.Errorf("PNG is %d×%d, want 1152×768 (6×4 in at 2×96 dpi)", w, h)
	}
	// Only the PNG and the text: an SVG or HTML form would be what
	// JupyterLab, the classic Notebook and nbconvert show instead.
	if len(d.Data) != 2 {
		t.Errorf("plot bundle has %q, want only image/png and text/plain", keys(d.Data))
	}
	meta := d.Metadata["image/png"].(map[string]any)
	if meta["width"] != 576 || meta["height"] != 384 {
		t.Errorf("PNG metadata = %v", meta)
	}
	if uniform(img) {
		t.Error("plot PNG is blank")
	}
	// Text alone is drawn, with gonum's embedded fonts (no fontconfig).
	textOnly := plot.New()
	textOnly.Title.Text = "Hello"
	textOnly.HideAxes()
	if img := decodeImage(t, mustRender(t, textOnly), "image/png"); uniform(img) {
		t.Error("a plot with only a title renders blank: no font?")
	}

	SetPlotSize(3*72, 2*72) // 3×2 in
	defer SetPlotSize(6*72, 4*72)
	d, _ = RenderDisplay(samplePlot(t))
	if img := decodeImage(t, d.Data, "image/png"); img.Bounds().Dx() != 576 {
		t.Errorf("after SetPlotSize, PNG width %d, want 576", img.Bounds().Dx())
	}
	d, _ = RenderDisplay(Figure{Plot: samplePlot(t), Width: 72, Height: 72})
	if img := decodeImage(t, d.Data, "image/png"); img.Bounds().Dx() != 192 {
		t.Errorf("Figure 1 in wide: PNG width %d, want 192", img.Bounds().Dx())
	}
	if d.Metadata["image/png"].(map[string]any)["width"] != 96 {
		t.Errorf("Figure metadata %v", d.Metadata)
	}
}

func mustRender(t *testing.T, v any) engine.Bundle {
	t.Helper()
	b, ok := Render(v)
	if !ok {
		t.Fatalf("Render(%T) not ok", v)
	}
	return b
}

func uniform(img image.Image) bool {
	b := img.Bounds()
	first := img.At(b.Min.X, b.Min.Y)
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			if img.At(x, y) != first {
				return false
			}
		}
	}
	return true
}

func TestHandleUpdate(t *testing.T) {
	f := withSink(t)
	h := Display(HTMLText("<b>0</b>"))
	h.Update(HTMLText("<b>1</b>"))
	h.Update(nil)
	got := f.displays()
	if len(got) != 3 {
		t.Fatalf("got %d displays", len(got))
	}
	if len(h.ID()) != 32 {
		t.Errorf("display id %q is not 32 hex digits", h.ID())
	}
	for i, d := range got {
		if d.ID != h.ID() {
			t.Errorf("display %d has id %q, want %q", i, d.ID, h.ID())
		}
		if d.Update != (i > 0) {
			t.Errorf("display %d: Update = %v", i, d.Update)
		}
		if _, ok := d.Data["text/plain"]; !ok {
			t.Errorf("display %d lacks text/plain", i)
		}
	}
	if got[1].Data["text/html"] != "<b>1</b>" {
		t.Errorf("update carried %v", got[1].Data)
	}
	if Display(1).ID() == h.ID() {
		t.Error("two displays share an id")
	}
}
