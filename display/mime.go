package display

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"image/jpeg"
	"image/png"
	"strings"

	"github.com/gopar/gopar/engine"
)

// HTML shows s as HTML.
func HTML(s string) { emitValue(HTMLText(s)) }

// Markdown shows s as Markdown.
func Markdown(s string) { emitValue(MarkdownText(s)) }

// LaTeX shows s as LaTeX. Frontends render it with MathJax, so math needs its
// delimiters: "$x^2$", "$$\sum_i x_i$$", or an environment such as
// \begin{align}…\end{align}.
func LaTeX(s string) { emitValue(LaTeXText(s)) }

// Math shows s as display math: LaTeX wrapped in $$…$$.
func Math(s string) { emitValue(LaTeXText("$$" + s + "$$")) }

// SVG shows s, an SVG document, as an image.
func SVG(s string) { emitValue(SVGText(s)) }

// PNG shows b, a PNG-encoded image. Data that is not a PNG shows as a text
// saying so.
func PNG(b []byte) { emitValue(PNGData(b)) }

// JPEG shows b, a JPEG-encoded image. Data that is not a JPEG shows as a text
// saying so.
func JPEG(b []byte) { emitValue(JPEGData(b)) }

// JSON shows v as a JSON tree (application/json). A string or []byte holding
// a JSON text is shown as that JSON; anything else is encoded with
// encoding/json, and a value that does not encode shows the error as text.
func JSON(v any) { emitValue(JSONValue{Value: v}) }

// Text shows s as plain text (text/plain only).
func Text(s string) { emit(engine.Display{Data: engine.Bundle{"text/plain": s}}) }

func emitValue(v MIMEBundler) { emit(bundlerDisplay(v)) }

// HTMLText is HTML that shows as HTML when it is a cell's last value or is
// passed to Display or Handle.Update, for example
// display.Display(display.HTMLText("<b>0%</b>")).
type HTMLText string

// MIMEBundle implements MIMEBundler: text/html, and the text without its
// tags as text/plain.
func (s HTMLText) MIMEBundle() map[string]any {
	return map[string]any{"text/html": string(s), "text/plain": htmlToText(string(s))}
}

// MarkdownText is Markdown that shows as such (see HTMLText).
type MarkdownText string

// MIMEBundle implements MIMEBundler: text/markdown, and the source as
// text/plain.
func (s MarkdownText) MIMEBundle() map[string]any {
	return map[string]any{"text/markdown": string(s), "text/plain": limitText(string(s))}
}

// LaTeXText is LaTeX that shows as such (see HTMLText and LaTeX).
type LaTeXText string

// MIMEBundle implements MIMEBundler: text/latex, and the source as
// text/plain.
func (s LaTeXText) MIMEBundle() map[string]any {
	return map[string]any{"text/latex": string(s), "text/plain": limitText(string(s))}
}

// SVGText is an SVG document that shows as an image (see HTMLText).
type SVGText string

// MIMEBundle implements MIMEBundler: image/svg+xml, and a short description
// as text/plain.
func (s SVGText) MIMEBundle() map[string]any {
	return map[string]any{"image/svg+xml": string(s), "text/plain": "[SVG image]"}
}

// PNGData is a PNG-encoded image that shows as such (see HTMLText).
type PNGData []byte

// MIMEBundle implements MIMEBundler: image/png (base64) and the image's size
// as text/plain; only text/plain, saying so, when the data is not a PNG.
func (b PNGData) MIMEBundle() map[string]any {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return map[string]any{"text/plain": fmt.Sprintf("[%d bytes that are not a PNG image: %v]", len(b), err)}
	}
	return map[string]any{
		"image/png":  base64.StdEncoding.EncodeToString(b),
		"text/plain": fmt.Sprintf("[PNG image %d×%d]", cfg.Width, cfg.Height),
	}
}

// JPEGData is a JPEG-encoded image that shows as such (see HTMLText).
type JPEGData []byte

// MIMEBundle implements MIMEBundler: image/jpeg (base64) and the image's size
// as text/plain; only text/plain, saying so, when the data is not a JPEG.
func (b JPEGData) MIMEBundle() map[string]any {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return map[string]any{"text/plain": fmt.Sprintf("[%d bytes that are not a JPEG image: %v]", len(b), err)}
	}
	return map[string]any{
		"image/jpeg": base64.StdEncoding.EncodeToString(b),
		"text/plain": fmt.Sprintf("[JPEG image %d×%d]", cfg.Width, cfg.Height),
	}
}

// JSONValue shows Value as a JSON tree (see JSON and HTMLText).
type JSONValue struct {
	// Value is a JSON text (string or []byte) or any value encoding/json
	// encodes.
	Value any
}

// MIMEBundle implements MIMEBundler: application/json, and the indented
// JSON text as text/plain.
func (j JSONValue) MIMEBundle() map[string]any {
	var raw []byte
	switch v := j.Value.(type) {
	case string:
		if json.Valid([]byte(v)) {
			raw = []byte(v)
		}
	case []byte:
		if json.Valid(v) {
			raw = v
		}
	case json.RawMessage:
		if json.Valid(v) {
			raw = v
		}
	}
	if raw == nil {
		var err error
		if raw, err = json.Marshal(j.Value); err != nil {
			return map[string]any{"text/plain": "display.JSON: " + err.Error()}
		}
	}
	// Decode into plain Go values (numbers kept exact as json.Number), so
	// that the bundle holds maps and slices like any decoded message.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var data any
	if err := dec.Decode(&data); err != nil {
		return map[string]any{"text/plain": "display.JSON: " + err.Error()}
	}
	var ind bytes.Buffer
	if err := json.Indent(&ind, raw, "", "  "); err != nil {
		ind.Reset()
		ind.Write(raw)
	}
	return map[string]any{"application/json": data, "text/plain": limitText(ind.String())}
}

// htmlToText is a rough plain-text rendering of HTML for text/plain: tags
// removed (block ends become line breaks, cells tabs), script and style
// contents dropped, entities decoded, blank runs squeezed.
func htmlToText(s string) string {
	var sb strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			sb.WriteString(s)
			break
		}
		sb.WriteString(s[:i])
		s = s[i:]
		j := strings.IndexByte(s, '>')
		if j < 0 {
			sb.WriteString(s)
			break
		}
		tag := strings.ToLower(strings.TrimSpace(strings.Trim(s[1:j], "/")))
		closing := strings.HasPrefix(s, "</")
		if k := strings.IndexAny(tag, " \t\n/"); k >= 0 {
			tag = tag[:k]
		}
		s = s[j+1:]
		switch tag {
		case "script", "style":
			if !closing {
				if k := strings.Index(strings.ToLower(s), "</"+tag); k >= 0 {
					s = s[k:]
				} else {
					s = ""
				}
			}
		case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "pre", "caption":
			sb.WriteByte('\n')
		case "td", "th":
			if closing {
				sb.WriteByte('\t')
			}
		}
	}
	text := html.UnescapeString(sb.String())
	var out []string
	blank := false
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(strings.Join(strings.Fields(line), " "), " ")
		if line == "" {
			if !blank && len(out) > 0 {
				out = append(out, "")
			}
			blank = true
			continue
		}
		blank = false
		out = append(out, line)
	}
	return limitText(strings.TrimSpace(strings.Join(out, "\n")))
}

// htmlEscape escapes s for HTML text and attribute values.
func htmlEscape(s string) string { return html.EscapeString(s) }
