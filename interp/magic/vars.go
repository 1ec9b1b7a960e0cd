package magic

import (
	"fmt"
	"html"
	"sort"
	"strings"

	"github.com/gopar/gopar/engine"
)

// who lists the user's variables; as a table with values for %whos.
func who(h Host, table bool) engine.ExecuteResult {
	vars := h.Vars()
	sort.Slice(vars, func(i, j int) bool { return vars[i].Name < vars[j].Name })
	out := h.Output()
	if len(vars) == 0 {
		out.Stream("stdout", "No variables defined yet.\n")
		return engine.ExecuteResult{}
	}
	if !table {
		var b strings.Builder
		for _, v := range vars {
			fmt.Fprintf(&b, "%s %s\n", v.Name, v.Type)
		}
		out.Stream("stdout", b.String())
		return engine.ExecuteResult{}
	}
	nw, tw := len("Variable"), len("Type")
	for _, v := range vars {
		nw, tw = max(nw, len(v.Name)), max(tw, len(v.Type))
	}
	var plain, h5 strings.Builder
	fmt.Fprintf(&plain, "%-*s  %-*s  %s\n", nw, "Variable", tw, "Type", "Value")
	fmt.Fprintf(&plain, "%s  %s  %s\n", strings.Repeat("-", nw), strings.Repeat("-", tw), "-----")
	h5.WriteString("<table><thead><tr><th>Variable</th><th>Type</th><th>Value</th></tr></thead><tbody>")
	for _, v := range vars {
		fmt.Fprintf(&plain, "%-*s  %-*s  %s\n", nw, v.Name, tw, v.Type, v.Value)
		fmt.Fprintf(&h5, "<tr><td><code>%s</code></td><td><code>%s</code></td><td><code>%s</code></td></tr>",
			html.EscapeString(v.Name), html.EscapeString(v.Type), html.EscapeString(v.Value))
	}
	h5.WriteString("</tbody></table>")
	out.Display(engine.Display{Data: engine.Bundle{"text/plain": strings.TrimRight(plain.String(), "\n"), "text/html": h5.String()}})
	return engine.ExecuteResult{}
}

// reset replaces the interpreter by a fresh one.
func reset(h Host) engine.ExecuteResult {
	if err := h.Reset(); err != nil {
		return errResult(engine.InterpreterError, "%v", err)
	}
	h.Output().Stream("stdout", "Interpreter reset: every name defined by earlier cells is gone.\n")
	return engine.ExecuteResult{}
}
