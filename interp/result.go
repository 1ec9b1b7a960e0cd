package interp

import (
	"context"
	"encoding/base64"
	"errors"
	"go/ast"
	"go/token"
	"reflect"
	"strings"

	"github.com/gopar/gopar/display"
	"github.com/gopar/gopar/engine"
)

// Results: a cell's last expression is wrapped in __gopar.Result, and a
// value of a cell-defined type also has its display methods (HTML, SVG,
// ...) called by interpreted code, since compiled code cannot see them.

// renderResult is the execute_result for a cell's final value(s).
func renderResult(v []any, mimes []mime) engine.Display {
	if len(v) == 1 {
		d, ok := display.RenderDisplay(v[0])
		if !ok {
			d = engine.Display{Data: engine.Bundle{"text/plain": "<nil>"}}
		}
		interpreted := v[0] != nil && reflect.TypeOf(v[0]).NumMethod() == 0
		set := func(k string, val any) {
			if b, ok := val.([]byte); ok && strings.HasPrefix(k, "image/") {
				val = base64.StdEncoding.EncodeToString(b)
			}
			if _, has := d.Data[k]; !has || (k == "text/plain" && interpreted) {
				d.Data[k] = val
			}
		}
		for _, m := range mimes {
			if b, ok := m.data.(map[string]any); ok && m.kind == "bundle" {
				for k, val := range b {
					set(k, val)
				}
				continue
			}
			set(m.kind, m.data)
		}
		return d
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = display.PlainText(x)
	}
	return engine.Display{Data: engine.Bundle{"text/plain": "(" + strings.Join(parts, ", ") + ")"}}
}

// userExpressions evaluates the request's user_expressions.
func (e *Engine) userExpressions(ctx context.Context, st *state, exprs map[string]string) map[string]any {
	out := map[string]any{}
	for name, src := range exprs {
		cr := st.newCell(src, 0)
		c := &chunk{init: true, transient: !strings.Contains(src, "func"), pieces: []piece{{0, len(src), []edit{{0, 0, "__gopar.Result("}, {len(src), len(src), ")"}}}}}
		c.build(src, cr)
		st.mu.Lock()
		st.result, st.hasResult = nil, false
		st.mu.Unlock()
		_, err := e.evalChunk(ctx, st, c)
		if err != nil {
			var ce cellError
			errors.As(err, &ce)
			out[name] = map[string]any{"status": "error", "ename": string(ce.err.Kind), "evalue": ce.err.Value, "traceback": ce.err.Traceback}
			continue
		}
		st.mu.Lock()
		v := st.result
		st.mu.Unlock()
		d := renderResult(v, nil)
		out[name] = map[string]any{"status": "ok", "data": d.Data, "metadata": map[string]any{}}
	}
	return out
}

// displayMethods maps the methods a value may have to show itself to the
// MIME type they give ("bundle" for MIMEBundle's map). String and Error come
// last: they replace text/plain.
var displayMethods = map[string]string{
	"MIMEBundle": "bundle", "HTML": "text/html", "Markdown": "text/markdown", "SVG": "image/svg+xml",
	"LaTeX": "text/latex", "PNG": "image/png", "JPEG": "image/jpeg", "String": "text/plain", "Error": "text/plain",
}

var displayMethodOrder = []string{"MIMEBundle", "HTML", "Markdown", "SVG", "LaTeX", "PNG", "JPEG", "String", "Error"}

// displayMethods returns which display methods the value of expr has, by
// compiling (not running) a method value for each.
func (x *execution) displayMethods(e ast.Expr, expr string) []string {
	if strings.ContainsAny(expr, "\n") || !mayHaveMethods(e) {
		return nil
	}
	var out []string
	for _, m := range displayMethodOrder {
		ok := x.st.compileProbe(";_ = func() { _ = ("+expr+")."+m+" }") == ""
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// mayHaveMethods is false for expressions whose value cannot be of a type
// defined in a cell (literals, arithmetic, comparisons, builtin calls).
func mayHaveMethods(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit, *ast.FuncLit, *ast.BinaryExpr:
		return false
	case *ast.ParenExpr:
		return mayHaveMethods(e.X)
	case *ast.UnaryExpr:
		return e.Op == token.AND || e.Op == token.ARROW
	case *ast.CompositeLit:
		switch e.Type.(type) {
		case *ast.ArrayType, *ast.MapType, *ast.StructType:
			return false
		}
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok && id.Obj == nil {
			switch id.Name {
			case "len", "cap", "append", "make", "min", "max", "complex", "real", "imag",
				"int", "int64", "float64", "string", "bool", "byte", "rune", "uint", "uint64", "float32", "int32":
				return false
			}
		}
	}
	return true
}

// noValue reports whether a compile error says an expression has no value.
func noValue(msg string) bool {
	return strings.Contains(msg, "as type ()") || strings.Contains(msg, "used as value") ||
		strings.Contains(msg, "no value")
}

// producesValue reports whether an expression statement may have a value
// worth showing (calls of builtins that return nothing do not).
func producesValue(e ast.Expr) bool {
	c, ok := e.(*ast.CallExpr)
	if !ok {
		return true
	}
	switch f := c.Fun.(type) {
	case *ast.Ident:
		switch f.Name {
		case "print", "println", "panic", "close", "delete", "clear":
			return false
		}
	case *ast.SelectorExpr:
		// fmt.Println's byte count and nil error are noise, as in Go REPLs.
		if x, ok := f.X.(*ast.Ident); ok && x.Obj == nil && x.Name == "fmt" &&
			(strings.HasPrefix(f.Sel.Name, "Print") || strings.HasPrefix(f.Sel.Name, "Fprint")) {
			return false
		}
	}
	return true
}
