package magic

import (
	"context"
	"slices"
	"strings"

	"github.com/gopar/gopar/engine"
)

// spec is one entry of the table of magics: a magic's name and its line
// (%name) and cell (%%name) forms.
type spec struct {
	// name is the magic's name without %; for the lines that are not
	// written with % (shell and help lines), the character they start
	// with: "!" or "?".
	name string
	// bare is set for the shell and help lines.
	bare bool
	line *form // the %name form, nil if there is none
	cell *form // the %%name form, nil if there is none
}

// form is how a magic is written and run on a line or a cell.
type form struct {
	// usage is how to write it: "%timeit [-n N] [-r R] STMT_OR_EXPR".
	usage string
	// help says what it does, in a line.
	help string
	// run runs m; body is the cell's Go source (with the magic's line
	// blanked) for a cell form, "" for a line form.
	run func(ctx context.Context, m Magic, body string, h Host) engine.ExecuteResult
}

// describe is "usage — help", as %help and ?%name show a form.
func (f *form) describe() string { return f.usage + " — " + f.help }

// magics is the table of magics, which Parse, Exec, ExecCell, %help,
// %lsmagic and ?%name read. It is filled by init, as %help reads it.
var magics []spec

func init() {
	magics = []spec{
		{name: "time",
			line: &form{"%time STMT_OR_EXPR", "run once; show wall and CPU time, allocations and GC (like Julia's @time)",
				func(ctx context.Context, m Magic, _ string, h Host) engine.ExecuteResult {
					return timeRun(ctx, m, m.Args, h)
				}},
			cell: &form{"%%time", "on the first line: time the whole cell once",
				func(ctx context.Context, m Magic, body string, h Host) engine.ExecuteResult {
					return timeRun(ctx, m, body, h)
				}}},
		{name: "timeit",
			line: &form{"%timeit [-n N] [-r R] STMT_OR_EXPR", "time many runs: min, median, mean ± std per loop", timeit},
			cell: &form{"%%timeit [-n N] [-r R]", "on the first line: time the whole cell over many runs", timeit}},
		{name: "everywhere",
			cell: &form{"%%everywhere", "on the first line: run the cell here and on every dist worker, and on workers added later (Julia's @everywhere)", everywhere}},
		{name: "threads",
			line: &form{"%threads [N]", "show or set GOMAXPROCS and parlib's default thread count", outputRun(threads)}},
		{name: "memlimit",
			line: &form{"%memlimit [SIZE]", "show or set the engine's memory limit (4G, 512M; 0 for none): past it, the engine restarts with a clear error", outputRun(memlimit)}},
		{name: "env",
			line: &form{"%env, %env NAME, %env NAME=VALUE", "list, show or set environment variables", outputRun(env)}},
		{name: "cd",
			line: &form{"%cd [DIR]", "show or change the working directory (~ is your home)", outputRun(cd)}},
		{name: "pwd",
			line: &form{"%pwd", "show the working directory",
				func(_ context.Context, _ Magic, _ string, h Host) engine.ExecuteResult { return cd("", h.Output()) }}},
		{name: "who",
			line: &form{"%who", "list the variables defined by earlier cells, with their types",
				func(_ context.Context, _ Magic, _ string, h Host) engine.ExecuteResult { return who(h, false) }}},
		{name: "whos",
			line: &form{"%whos", "table of variables: name, type, value",
				func(_ context.Context, _ Magic, _ string, h Host) engine.ExecuteResult { return who(h, true) }}},
		{name: "reset",
			line: &form{"%reset", "forget everything: a fresh interpreter",
				func(_ context.Context, _ Magic, _ string, h Host) engine.ExecuteResult { return reset(h) }}},
		{name: "help",
			line: &form{"%help", "this help: magics, display functions, a parlib tour",
				func(_ context.Context, _ Magic, _ string, h Host) engine.ExecuteResult { return help(h.Output()) }}},
		{name: "lsmagic",
			line: &form{"%lsmagic", "list the magics",
				func(_ context.Context, _ Magic, _ string, h Host) engine.ExecuteResult { return lsmagic(h.Output()) }}},
		{name: "native",
			cell: &form{"%%native", "on the first line: compile the cell's declarations with the Go toolchain and load them (compiled speed, shared memory)", nativeCell}},
		{name: "go",
			line: &form{"%go get MODULE[@VERSION]", "fetch a module, or pin its version, for packages imported natively", goCommand}},
		{name: "!", bare: true,
			line: &form{"!cmd", "run a shell command (sh -c); a line ending with \\ goes on on the next; output streams as it comes; the exit status is shown when not 0",
				func(ctx context.Context, m Magic, _ string, h Host) engine.ExecuteResult {
					return shell(ctx, m.Args, h.Output())
				}}},
		{name: "?", bare: true,
			line: &form{"?name, name?", "signature and documentation of name (also strings.Split?, wg.Wait?); ?? for more",
				func(_ context.Context, m Magic, _ string, h Host) engine.ExecuteResult { return pageHelp(m, h) }}},
	}
}

// outputRun adapts a line magic that reads only its arguments and prints.
func outputRun(f func(args string, out engine.Output) engine.ExecuteResult) func(context.Context, Magic, string, Host) engine.ExecuteResult {
	return func(_ context.Context, m Magic, _ string, h Host) engine.ExecuteResult { return f(m.Args, h.Output()) }
}

// lookup finds the magic named name: a %magic's name, "!" or "?" ("??"
// is "?"); nil if there is none.
func lookup(name string) *spec {
	if name == "??" {
		name = "?"
	}
	for i := range magics {
		if magics[i].name == name {
			return &magics[i]
		}
	}
	return nil
}

// lineForm is the %name form of the magic named name, nil if none.
func lineForm(name string) *form {
	if s := lookup(name); s != nil && !s.bare {
		return s.line
	}
	return nil
}

// cellForm is the %%name form of the magic named name, nil if none.
func cellForm(name string) *form {
	if s := lookup(name); s != nil && !s.bare {
		return s.cell
	}
	return nil
}

// known lists the line magics ("%cd, %env, …"), or the cell magics
// ("%%time, %%timeit") when cell is set, sorted.
func known(cell bool) string {
	var names []string
	for _, s := range magics {
		switch {
		case s.bare:
		case cell && s.cell != nil:
			names = append(names, "%%"+s.name)
		case !cell && s.line != nil:
			names = append(names, "%"+s.name)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// lsmagic lists the magics.
func lsmagic(out engine.Output) engine.ExecuteResult {
	out.Stream("stdout", "Line magics: "+known(false)+"\nCell magics: "+known(true)+
		"\nShell: !cmd    Help: ?name, name?, ??name\n")
	return engine.ExecuteResult{}
}
