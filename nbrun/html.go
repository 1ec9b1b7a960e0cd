package nbrun

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"

	"github.com/gopar/gopar/engine"
)

// Report describes the run shown in the HTML report's header.
type Report struct {
	// Title is the page title (the notebook's name).
	Title string
	// Engine describes the kernel that ran the notebook.
	Engine engine.Info
	// Started is when the run began; zero leaves it out.
	Started time.Time
	// Elapsed is how long the run took.
	Elapsed time.Duration
}

// markdown renders Markdown with GitHub's extensions (tables,
// strikethrough, autolinks, task lists). Raw HTML is kept, as Jupyter
// renders it in markdown cells.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
)

// codeStyle colours Go code in the report, in GitHub's light palette. It is
// built here rather than taken from chroma's styles package, whose start-up
// cost (parsing every bundled style) every gopar process would pay.
var codeStyle = chroma.MustNewStyle("gopar", chroma.StyleEntries{
	chroma.Background:        "bg:#f6f8fa",
	chroma.Keyword:           "#cf222e",
	chroma.KeywordType:       "#cf222e",
	chroma.NameBuiltin:       "#6639ba",
	chroma.NameFunction:      "#6639ba",
	chroma.NameConstant:      "#0550ae",
	chroma.LiteralString:     "#0a3069",
	chroma.LiteralNumber:     "#0550ae",
	chroma.Operator:          "#0550ae",
	chroma.Comment:           "italic #57606a",
	chroma.CommentPreproc:    "noitalic #8250df",
	chroma.GenericDeleted:    "#82071e bg:#ffebe9",
	chroma.GenericInserted:   "#116329 bg:#dafbe1",
	chroma.GenericUnderline:  "underline",
	chroma.Punctuation:       "#1f2328",
	chroma.NameLabel:         "bold #990000",
	chroma.LiteralStringChar: "#0a3069",
})

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// stripANSI removes terminal colour codes.
func stripANSI(s string) string { return ansiRE.ReplaceAllString(s, "") }

// RenderHTML writes nb as one self-contained HTML page: markdown cells
// rendered, code highlighted, images inlined as data: URIs. It needs no
// network to display.
func RenderHTML(w io.Writer, nb *Notebook, r Report) error {
	bw := bufio.NewWriter(w)
	isGo := notebookLanguage(nb) == "go"
	style := codeStyle
	formatter := chromahtml.New(chromahtml.WithClasses(true))

	var css bytes.Buffer
	if err := formatter.WriteCSS(&css, style); err != nil {
		return err
	}
	fmt.Fprintf(bw, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(bw, "<meta name=\"generator\" content=\"gopar run\">\n<title>%s</title>\n<style>\n%s\n%s</style>\n</head>\n<body>\n<main>\n", html.EscapeString(r.Title), pageCSS, css.String())

	fmt.Fprintf(bw, "<header class=\"run\">%s", html.EscapeString(r.Title))
	var facts []string
	if v := r.Engine.Implementation; v != "" {
		facts = append(facts, strings.TrimSpace(v+" "+r.Engine.ImplementationVersion))
	}
	if !r.Started.IsZero() {
		facts = append(facts, "run "+r.Started.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if r.Elapsed > 0 {
		facts = append(facts, "in "+roundDuration(r.Elapsed))
	}
	if len(facts) > 0 {
		fmt.Fprintf(bw, " <span class=\"facts\">%s</span>", html.EscapeString(strings.Join(facts, " · ")))
	}
	bw.WriteString("</header>\n")

	for _, c := range nb.Cells {
		switch c.CellType {
		case "markdown":
			src := inlineAttachments(string(c.Source), c.Attachments)
			bw.WriteString("<section class=\"cell markdown\">\n")
			if err := markdown.Convert([]byte(src), bw); err != nil {
				return err
			}
			bw.WriteString("</section>\n")
		case "raw":
			fmt.Fprintf(bw, "<section class=\"cell raw\"><pre>%s</pre></section>\n", html.EscapeString(string(c.Source)))
		case "code":
			prompt := " "
			if c.ExecutionCount != nil {
				prompt = fmt.Sprint(*c.ExecutionCount)
			}
			bw.WriteString("<section class=\"cell code\">\n")
			fmt.Fprintf(bw, "<div class=\"input\"><div class=\"prompt\">In [%s]:</div><div class=\"source\">", prompt)
			toks := []chroma.Token{{Type: chroma.Text, Value: string(c.Source)}}
			if isGo {
				toks = goTokens(string(c.Source))
			}
			if err := formatter.Format(bw, style, chroma.Literator(toks...)); err != nil {
				return err
			}
			bw.WriteString("</div>")
			if d := cellDuration(c); d != "" {
				fmt.Fprintf(bw, "<div class=\"time\">%s</div>", d)
			}
			bw.WriteString("</div>\n")
			for _, o := range c.Outputs {
				writeOutput(bw, o)
			}
			bw.WriteString("</section>\n")
		}
	}
	bw.WriteString("</main>\n</body>\n</html>\n")
	return bw.Flush()
}

// notebookLanguage is the notebook's language_info.name, lower-cased; "go"
// when unset.
func notebookLanguage(nb *Notebook) string {
	if li, ok := nb.Metadata["language_info"].(map[string]any); ok {
		if s, ok := li["name"].(string); ok && s != "" {
			return strings.ToLower(s)
		}
	}
	return "go"
}

// cellDuration reads the timing Execute records in a cell's metadata.
func cellDuration(c *Cell) string {
	ex, _ := c.Metadata["execution"].(map[string]any)
	a, _ := ex["shell.execute_reply.started"].(string)
	b, _ := ex["shell.execute_reply"].(string)
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	if err1 != nil || err2 != nil {
		return ""
	}
	return roundDuration(tb.Sub(ta))
}

// roundDuration keeps about three significant digits of d.
func roundDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

// inlineAttachments replaces attachment:NAME references by data: URIs.
func inlineAttachments(src string, att map[string]map[string]any) string {
	names := make([]string, 0, len(att))
	for n := range att {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	for _, n := range names {
		for mime, v := range att[n] {
			if s, ok := v.(string); ok && strings.HasPrefix(mime, "image/") {
				if mime == "image/svg+xml" {
					s = base64.StdEncoding.EncodeToString([]byte(s))
				}
				src = strings.ReplaceAll(src, "attachment:"+n, "data:"+mime+";base64,"+strings.Join(strings.Fields(s), ""))
				break
			}
		}
	}
	return src
}

// mimeOrder is the preference among a bundle's representations, richest
// first, as Jupyter frontends choose.
var mimeOrder = []string{"text/html", "image/svg+xml", "image/png", "image/jpeg", "image/gif", "text/markdown", "text/latex", "application/json", "text/plain"}

func writeOutput(w *bufio.Writer, o *Output) {
	switch o.OutputType {
	case "stream":
		fmt.Fprintf(w, "<div class=\"output stream %s\"><pre>%s</pre></div>\n", html.EscapeString(o.Name), html.EscapeString(stripANSI(collapseCR(o.Text))))
	case "error":
		tb := stripANSI(strings.Join(o.Traceback, "\n"))
		if strings.TrimSpace(tb) == "" {
			tb = o.EName + ": " + o.EValue
		}
		fmt.Fprintf(w, "<div class=\"output error\"><pre>%s</pre></div>\n", html.EscapeString(tb))
	case "display_data", "execute_result":
		prompt := ""
		if o.OutputType == "execute_result" && o.ExecutionCount != nil {
			prompt = fmt.Sprintf("<div class=\"prompt\">Out[%d]:</div>", *o.ExecutionCount)
		}
		fmt.Fprintf(w, "<div class=\"output %s\">%s<div class=\"data\">", o.OutputType, prompt)
		writeBundle(w, o.Data, o.Metadata)
		w.WriteString("</div></div>\n")
	}
}

// pixels is an image size from output metadata: a JSON number as the
// notebook file, the engine (json.Number) or Go code (int) gives it.
func pixels(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), n > 0
	case int:
		return n, n > 0
	case json.Number:
		f, err := n.Float64()
		return int(f), err == nil && f > 0
	}
	return 0, false
}

func writeBundle(w *bufio.Writer, data, meta map[string]any) {
	for _, mime := range mimeOrder {
		v, ok := data[mime]
		if !ok {
			continue
		}
		s, isString := v.(string)
		switch mime {
		case "text/html":
			if isString {
				w.WriteString(s)
				return
			}
		case "image/svg+xml":
			if isString {
				fmt.Fprintf(w, "<img alt=\"SVG image\" src=\"data:image/svg+xml;base64,%s\">", base64.StdEncoding.EncodeToString([]byte(s)))
				return
			}
		case "image/png", "image/jpeg", "image/gif":
			if isString {
				size := ""
				if m, ok := meta[mime].(map[string]any); ok {
					for _, k := range []string{"width", "height"} {
						if n, ok := pixels(m[k]); ok {
							size += fmt.Sprintf(" %s=\"%d\"", k, n)
						}
					}
				}
				fmt.Fprintf(w, "<img alt=\"%s image\"%s src=\"data:%s;base64,%s\">", mime[len("image/"):], size, mime, strings.Join(strings.Fields(s), ""))
				return
			}
		case "text/markdown":
			if isString {
				markdown.Convert([]byte(s), w)
				return
			}
		case "application/json":
			b, err := json.MarshalIndent(v, "", "  ")
			if err == nil {
				fmt.Fprintf(w, "<pre>%s</pre>", html.EscapeString(string(b)))
				return
			}
		default:
			if isString {
				fmt.Fprintf(w, "<pre>%s</pre>", html.EscapeString(stripANSI(s)))
				return
			}
		}
	}
}

const pageCSS = `
body { margin: 0; background: #fff; color: #1f2328; font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 1.5em 1em 4em; }
header.run { border-bottom: 1px solid #d0d7de; padding-bottom: .5em; margin-bottom: 1em; font-weight: 600; font-size: 1.1em; }
header.run .facts { font-weight: normal; color: #656d76; font-size: .85em; margin-left: .5em; }
pre { margin: 0; tab-size: 4; white-space: pre-wrap; word-wrap: break-word; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.cell { margin: .8em 0; }
.cell.markdown table { border-collapse: collapse; }
.cell.markdown th, .cell.markdown td, .output table th, .output table td { border: 1px solid #d0d7de; padding: 3px 10px; }
.cell.markdown code { background: #f6f8fa; padding: .1em .3em; border-radius: 4px; }
.input { display: flex; align-items: flex-start; }
.prompt { flex: 0 0 5.5em; color: #656d76; font: 12px/1.8 ui-monospace, monospace; text-align: right; padding-right: .6em; }
.source { flex: 1; min-width: 0; background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; padding: .4em .6em; overflow-x: auto; }
.source pre.chroma { background: transparent; }
.time { flex: 0 0 auto; color: #8c959f; font-size: 11px; padding-left: .5em; }
.output { display: flex; margin: .3em 0 0 5.5em; padding-left: .6em; overflow-x: auto; }
.output.execute_result { margin-left: 0; padding-left: 0; }
.output .data { flex: 1; min-width: 0; }
.output img { max-width: 100%; height: auto; }
.output.stream.stderr { background: #fff5f5; }
.output > pre { flex: 1; min-width: 0; }
.output.error pre { background: #ffebe9; color: #82071e; padding: .4em; border-radius: 4px; }
.output table { border-collapse: collapse; }
`
