package display

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"reflect"
	"strings"
	"unicode/utf8"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/parlib"
)

// MIMEBundler is implemented by values that know how to show themselves,
// like IPython's _repr_mimebundle_. MIMEBundle maps MIME types to data:
// strings for text types ("text/html", "image/svg+xml", ...) and
// base64-encoded strings for binary images; a []byte given for an image/...
// type is base64-encoded for you. "application/json" (and other ...+json
// types) may hold any value that encodes to JSON. When "text/plain" is
// missing, display adds the value's plain text.
type MIMEBundler interface {
	MIMEBundle() map[string]any
}

// MIMEMetadataer may be implemented beside MIMEBundler to attach per-MIME
// metadata, for example {"image/png": {"width": 400, "height": 300}}.
type MIMEMetadataer interface {
	MIMEMetadata() map[string]any
}

// HTMLer is implemented by values that show as HTML (like _repr_html_).
type HTMLer interface{ HTML() string }

// Markdowner is implemented by values that show as Markdown.
type Markdowner interface{ Markdown() string }

// SVGer is implemented by values that show as an SVG image.
type SVGer interface{ SVG() string }

// LaTeXer is implemented by values that show as LaTeX (with $…$ delimiters).
type LaTeXer interface{ LaTeX() string }

// PNGer is implemented by values that show as a PNG image (encoded bytes).
type PNGer interface{ PNG() []byte }

// JPEGer is implemented by values that show as a JPEG image (encoded bytes).
type JPEGer interface{ JPEG() []byte }

// Render returns the richest MIME bundle for v, as shown for a cell's last
// value. The bundle always carries "text/plain". It returns ok false, and
// the engine should then show nothing, when v is nil or is itself a display
// already shown (a *Handle from Display, a *Progress). See the package
// documentation for what renders how.
func Render(v any) (b engine.Bundle, ok bool) {
	d, ok := RenderDisplay(v)
	return d.Data, ok
}

// RenderDisplay is Render with the display's metadata (for example the size
// at which a plot's PNG should be shown). Engines should prefer it to Render
// for a cell's execute_result.
func RenderDisplay(v any) (d engine.Display, ok bool) {
	if v == nil {
		return engine.Display{}, false
	}
	if _, ok := v.(shown); ok {
		return engine.Display{}, false
	}
	defer func() {
		if r := recover(); r != nil { // a user's MIMEBundle, HTML, ... method panicked
			d = engine.Display{Data: engine.Bundle{
				"text/plain": PlainText(v) + fmt.Sprintf("\n(display: rendering %T panicked: %v)", v, r),
			}}
			ok = true
		}
	}()
	d = render(v)
	if d.Data == nil {
		d.Data = engine.Bundle{}
	}
	if _, has := d.Data["text/plain"]; !has {
		d.Data["text/plain"] = PlainText(v)
	}
	return d, true
}

func render(v any) engine.Display {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return plain(v)
	}
	switch x := v.(type) {
	case MIMEBundler:
		return bundlerDisplay(x)
	case *plot.Plot:
		w, h := PlotSize()
		return plotDisplay(x, w, h)
	case image.Image:
		return imageDisplay(x)
	case *parlib.ScalingResult:
		return scalingDisplay([]*parlib.ScalingResult{x})
	case parlib.ScalingResult:
		return scalingDisplay([]*parlib.ScalingResult{&x})
	case []*parlib.ScalingResult:
		return scalingDisplay(x)
	case []parlib.ScalingResult:
		ps := make([]*parlib.ScalingResult, len(x))
		for i := range x {
			ps[i] = &x[i]
		}
		return scalingDisplay(ps)
	case *parlib.BenchResult:
		return benchDisplay(x, []*parlib.BenchResult{x})
	case parlib.BenchResult:
		return benchDisplay(x, []*parlib.BenchResult{&x})
	case []*parlib.BenchResult:
		return benchDisplay(nil, x)
	case []parlib.BenchResult:
		ps := make([]*parlib.BenchResult, len(x))
		for i := range x {
			ps[i] = &x[i]
		}
		return benchDisplay(nil, ps)
	case *parlib.TimeResult:
		return timeDisplay(x)
	case parlib.TimeResult:
		return timeDisplay(&x)
	case template.HTML:
		return engine.Display{Data: engine.Bundle{"text/html": string(x), "text/plain": htmlToText(string(x))}}
	case mat.Matrix:
		return engine.Display{Data: engine.Bundle{"text/plain": matrixText(x)}}
	}
	if d, ok := methodsDisplay(v); ok {
		return d
	}
	return plain(v)
}

func plain(v any) engine.Display {
	return engine.Display{Data: engine.Bundle{"text/plain": PlainText(v)}}
}

// bundlerDisplay takes a MIMEBundler's bundle, encoding []byte images.
func bundlerDisplay(x MIMEBundler) engine.Display {
	src := x.MIMEBundle()
	b := make(engine.Bundle, len(src)+1)
	for k, val := range src {
		if raw, ok := val.([]byte); ok {
			if strings.HasPrefix(k, "image/") && k != "image/svg+xml" {
				val = base64.StdEncoding.EncodeToString(raw)
			} else if !isJSONType(k) {
				val = string(raw)
			}
		}
		b[k] = val
	}
	d := engine.Display{Data: b}
	if m, ok := x.(MIMEMetadataer); ok {
		d.Metadata = m.MIMEMetadata()
	}
	return d
}

func isJSONType(mime string) bool {
	return mime == "application/json" || strings.HasSuffix(mime, "+json")
}

// methodsDisplay collects the HTML, Markdown, SVG, LaTeX, PNG and JPEG
// methods of v.
func methodsDisplay(v any) (engine.Display, bool) {
	b := engine.Bundle{}
	if x, ok := v.(HTMLer); ok {
		b["text/html"] = x.HTML()
	}
	if x, ok := v.(Markdowner); ok {
		b["text/markdown"] = x.Markdown()
	}
	if x, ok := v.(SVGer); ok {
		b["image/svg+xml"] = x.SVG()
	}
	if x, ok := v.(LaTeXer); ok {
		b["text/latex"] = x.LaTeX()
	}
	if x, ok := v.(PNGer); ok {
		b["image/png"] = base64.StdEncoding.EncodeToString(x.PNG())
	}
	if x, ok := v.(JPEGer); ok {
		b["image/jpeg"] = base64.StdEncoding.EncodeToString(x.JPEG())
	}
	if len(b) == 0 {
		return engine.Display{}, false
	}
	return engine.Display{Data: b}, true
}

func matrixText(m mat.Matrix) string {
	r, c := m.Dims()
	f := mat.Formatted(m, mat.Squeeze(), mat.Excerpt(6))
	if r <= 20 && c <= 12 {
		f = mat.Formatted(m, mat.Squeeze())
	}
	return fmt.Sprintf("%d×%d %T\n%v", r, c, m, f)
}

// Limits of PlainText.
const (
	// MaxItems is how many elements of a slice or array PlainText shows.
	MaxItems = 100
	// MaxTextBytes is how long PlainText's result may grow.
	MaxTextBytes = 10000
)

var (
	stringerType  = reflect.TypeFor[fmt.Stringer]()
	errorType     = reflect.TypeFor[error]()
	formatterType = reflect.TypeFor[fmt.Formatter]()
)

// PlainText formats v the way a Go REPL shows a value:
//
//   - nil is <nil>; values with a String or Error method show what it
//     returns (%v);
//   - strings, and slices and arrays of strings, are quoted (%q);
//   - structs, and pointers, slices, arrays and maps of them, show their
//     field names (%+v);
//   - everything else is %v;
//   - slices and arrays longer than MaxItems show their first MaxItems
//     elements then "… N more";
//   - a text longer than MaxTextBytes is cut there, with a note of how much
//     was left out.
func PlainText(v any) string {
	return limitText(plainText(v))
}

func plainText(v any) string {
	if v == nil {
		return "<nil>"
	}
	rv := reflect.ValueOf(v)
	t := rv.Type()
	if hasMethods(t) {
		return fmt.Sprintf("%v", v)
	}
	verb := verbFor(t)
	if (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array) && rv.Len() > MaxItems {
		var sb strings.Builder
		sb.WriteByte('[')
		for i := range MaxItems {
			if i > 0 {
				sb.WriteByte(' ')
			}
			fmt.Fprintf(&sb, verb, rv.Index(i).Interface())
			if sb.Len() > MaxTextBytes {
				break
			}
		}
		fmt.Fprintf(&sb, " … %d more]", rv.Len()-MaxItems)
		return sb.String()
	}
	return fmt.Sprintf(verb, v)
}

func hasMethods(t reflect.Type) bool {
	return t.Implements(stringerType) || t.Implements(errorType) || t.Implements(formatterType)
}

// verbFor picks %q for strings (and containers of them), %+v for structs
// (and pointers and containers of them) and %v for the rest.
func verbFor(t reflect.Type) string {
	noQuote := false // %q would quote a pointer's address, or a map's int keys as runes
	// Bounded: a type such as T []T would loop forever.
	for range 16 {
		if hasMethods(t) {
			return "%v"
		}
		switch t.Kind() {
		case reflect.Slice, reflect.Array:
			t = t.Elem()
		case reflect.Map:
			if k := t.Key(); k.Kind() != reflect.String || hasMethods(k) {
				noQuote = true
			}
			t = t.Elem()
		case reflect.Pointer:
			noQuote = true
			t = t.Elem()
		case reflect.String:
			if noQuote {
				return "%v"
			}
			return "%q"
		case reflect.Struct:
			return "%+v"
		default:
			return "%v"
		}
	}
	return "%v"
}

// limitText cuts s to MaxTextBytes at a rune boundary.
func limitText(s string) string {
	if len(s) <= MaxTextBytes {
		return s
	}
	cut := MaxTextBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… (%d more bytes)", len(s)-cut)
}
