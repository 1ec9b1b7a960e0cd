package magic

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/parlib"
)

// threads shows or sets GOMAXPROCS and parlib's default thread count.
func threads(args string, out engine.Output) engine.ExecuteResult {
	if args != "" {
		n, err := strconv.Atoi(strings.TrimSpace(args))
		if err != nil || n < 1 || n > parlib.MaxThreads {
			return errResult(engine.UsageError, "%%threads N: N must be a number of threads between 1 and %d, not %q", parlib.MaxThreads, args)
		}
		runtime.GOMAXPROCS(n)
		parlib.SetDefaultThreads(n)
	}
	out.Stream("stdout", fmt.Sprintf("GOMAXPROCS = %d, parlib default threads = %d (this machine has %d CPUs)\n",
		runtime.GOMAXPROCS(0), parlib.DefaultThreads(), runtime.NumCPU()))
	return engine.ExecuteResult{}
}

// env lists, shows or sets environment variables.
func env(args string, out engine.Output) engine.ExecuteResult {
	args = strings.TrimSpace(args)
	switch {
	case args == "":
		vars := os.Environ()
		sort.Strings(vars)
		out.Stream("stdout", strings.Join(vars, "\n")+"\n")
	case strings.ContainsAny(args, "= \t"):
		i := strings.IndexAny(args, "= \t")
		name, value := args[:i], args[i+1:]
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if name == "" {
			return errResult(engine.UsageError, "%%env NAME=VALUE: missing NAME")
		}
		if err := os.Setenv(name, value); err != nil {
			return errResult(engine.OSError, "%v", err)
		}
		out.Stream("stdout", fmt.Sprintf("env: %s=%s\n", name, value))
	default:
		v, ok := os.LookupEnv(args)
		if !ok {
			return errResult(engine.UsageError, "environment variable %s is not set", args)
		}
		out.Stream("stdout", v+"\n")
	}
	return engine.ExecuteResult{}
}

// cd shows or changes the working directory.
func cd(args string, out engine.Output) engine.ExecuteResult {
	dir := strings.TrimSpace(args)
	if dir != "" {
		if dir == "~" || strings.HasPrefix(dir, "~/") {
			home, err := os.UserHomeDir()
			if err != nil {
				return errResult(engine.OSError, "%v", err)
			}
			dir = filepath.Join(home, dir[1:])
		}
		if err := os.Chdir(dir); err != nil {
			return errResult(engine.OSError, "%v", err)
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return errResult(engine.OSError, "%v", err)
	}
	out.Stream("stdout", wd+"\n")
	return engine.ExecuteResult{}
}

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
