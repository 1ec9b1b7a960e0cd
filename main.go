// Command gopar is a Jupyter kernel for Go, made for parallel-computing
// experiments.
//
//	gopar install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name S]
//	gopar uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]
//	gopar kernel --connection-file FILE
//	gopar run NOTEBOOK.ipynb [-o OUT.ipynb | --inplace] [--html OUT.html] [--timeout D] [--allow-errors]
//	gopar version
//
// Run `gopar COMMAND --help` for each command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/install"
	"github.com/gopar/gopar/internal/prebind"
	"github.com/gopar/gopar/interp"
	"github.com/gopar/gopar/kernel"
	"github.com/gopar/gopar/nbrun"
)

// version is gopar's version; release builds set it with
// -ldflags "-X main.version=v1.2.3". Empty means: ask the build info, then
// the engine.
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `gopar is a Jupyter kernel for Go, made for parallel-computing experiments.

Usage:
  gopar install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name S]
                               install the kernelspec so Jupyter can start gopar
  gopar uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]
                               remove the kernelspec
  gopar run NOTEBOOK.ipynb [-o OUT.ipynb | --inplace] [--html OUT.html] [--timeout D]
                               execute a notebook without Jupyter; write it and an HTML report
  gopar kernel --connection-file FILE
                               run the kernel (what Jupyter starts; kernel.json says so)
  gopar version                print the versions of gopar, Go and yaegi

Run 'gopar COMMAND --help' for a command's flags.
`

// run is main without os.Exit: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "kernel":
		return cmdKernel(rest, stderr)
	case "install":
		return cmdInstall(rest, stdout, stderr, false)
	case "uninstall":
		return cmdInstall(rest, stdout, stderr, true)
	case "run":
		return cmdRun(rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && rest[0] != "help" && !strings.HasPrefix(rest[0], "-") {
			return run([]string{rest[0], "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "gopar: unknown command %q\n\n%s", cmd, usage)
	return 2
}

// newFlagSet makes a FlagSet whose --help prints a usage line and the flags.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gopar "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: gopar %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags that may come before or after positional arguments,
// and returns the positional ones. It returns the exit status to use when
// parsing ends the command (0 for --help, 2 for a bad flag).
func parse(fs *flag.FlagSet, args []string) (pos []string, status int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, 0, false
			}
			return nil, 2, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, 0, true
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), 0, true
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func cmdKernel(args []string, stderr io.Writer) int {
	fs := newFlagSet("kernel", "kernel --connection-file FILE\n\nRuns the kernel for a Jupyter frontend. kernel.json runs this; you rarely do.", stderr)
	var conn string
	fs.StringVar(&conn, "connection-file", "", "Jupyter connection `file` (JSON with transport, ip, ports and key)")
	fs.StringVar(&conn, "f", "", "short for --connection-file")
	debug := fs.Bool("debug", false, "log routine events (listening, interrupts, aborts, shutdown) on stderr, not only problems")
	pos, status, ok := parse(fs, args)
	if !ok {
		return status
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "gopar kernel: unexpected argument %q\n", pos[0])
		return 2
	}
	if conn == "" {
		fmt.Fprintln(stderr, "gopar kernel: missing --connection-file FILE")
		return 2
	}
	// interp.New redirects os.Stdout and os.Stderr to capture cell output:
	// stderr, taken before, stays the real one for the kernel's log.
	logw := stderr
	if _, err := os.Stat(conn); err != nil {
		fmt.Fprintf(logw, "gopar kernel: connection file %s: %v\n", conn, errors.Unwrap(err))
		return 1
	}
	eng := startEngine(logw)
	defer eng.Close()
	// SIGINT interrupts the running cell (the kernel handles it); SIGTERM
	// ends the kernel.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	// The ports were bound while the program initialised (internal/prebind).
	defer prebind.CloseAll()
	err := kernel.Serve(ctx, kernel.Config{ConnectionFile: conn, Engine: eng, Log: logw, Debug: *debug, Prebound: prebind.Take})
	if err != nil && ctx.Err() != nil {
		// SIGTERM: the frontend ends the kernel; that is a clean exit.
		return 0
	}
	if err != nil {
		fmt.Fprintf(logw, "gopar kernel: %s\n", oneLine(err))
		return 1
	}
	return 0
}

// lazyEngine is the Go engine while it loads in the background, so that
// the kernel binds its sockets and answers the client's first connection
// attempt without waiting for the interpreter (about 0.1 s). Every method
// waits until the engine is ready.
type lazyEngine struct {
	ready chan struct{}
	eng   *interp.Engine
}

var _ engine.Engine = (*lazyEngine)(nil)

// startEngine starts loading the engine. If loading fails, it reports the
// error on logw and ends the process with status 1.
func startEngine(logw io.Writer) *lazyEngine {
	l := &lazyEngine{ready: make(chan struct{})}
	go func() {
		eng, err := interp.New(interp.Options{})
		if err != nil {
			fmt.Fprintf(logw, "gopar kernel: starting the Go engine: %s\n", oneLine(err))
			os.Exit(1)
		}
		l.eng = eng
		close(l.ready)
	}()
	return l
}

// Info describes the engine without waiting for it to load.
func (l *lazyEngine) Info() engine.Info { return interp.Info() }

// Execute waits for the engine (or for ctx) and runs the cell.
func (l *lazyEngine) Execute(ctx context.Context, req engine.ExecuteRequest, out engine.Output) engine.ExecuteResult {
	select {
	case <-l.ready:
	case <-ctx.Done():
		msg := "interrupted while the Go engine was loading"
		return engine.ExecuteResult{Err: engine.NewError(engine.Interrupt, msg)}
	}
	return l.eng.Execute(ctx, req, out)
}

// Complete waits for the engine and proposes completions.
func (l *lazyEngine) Complete(code string, cursor int) engine.Completion {
	<-l.ready
	return l.eng.Complete(code, cursor)
}

// Inspect waits for the engine and describes the object at cursor.
func (l *lazyEngine) Inspect(code string, cursor, detail int) engine.Inspection {
	<-l.ready
	return l.eng.Inspect(code, cursor, detail)
}

// IsComplete waits for the engine and tells whether code is ready to run.
func (l *lazyEngine) IsComplete(code string) (status, indent string) {
	<-l.ready
	return l.eng.IsComplete(code)
}

// Close waits for the engine and closes it.
func (l *lazyEngine) Close() error { <-l.ready; return l.eng.Close() }

// oneLine keeps an error message on one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}

// scopeFlags are the flags shared by install and uninstall.
type scopeFlags struct {
	user, sysPrefix bool
	prefix, name    string
}

func (s *scopeFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&s.user, "user", false, "use the per-user Jupyter data directory (the default)")
	fs.BoolVar(&s.sysPrefix, "sys-prefix", false, "use sys.prefix of the Python that runs Jupyter")
	fs.StringVar(&s.prefix, "prefix", "", "use `DIR`/share/jupyter")
	fs.StringVar(&s.name, "name", install.DefaultName, "kernel `name` (letters, digits, '.', '-', '_')")
}

func (s *scopeFlags) options() (install.Options, error) {
	n := 0
	opts := install.Options{Scope: install.User, Name: s.name}
	if s.user {
		n++
	}
	if s.sysPrefix {
		n++
		opts.Scope = install.SysPrefix
	}
	if s.prefix != "" {
		n++
		opts.Scope = install.Prefix
		opts.Prefix = s.prefix
	}
	if n > 1 {
		return opts, errors.New("use only one of --user, --sys-prefix and --prefix")
	}
	return opts, nil
}

func cmdInstall(args []string, stdout, stderr io.Writer, uninstall bool) int {
	var fs *flag.FlagSet
	if uninstall {
		fs = newFlagSet("uninstall", "uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]\n\nRemoves the kernelspec that 'gopar install' wrote.", stderr)
	} else {
		fs = newFlagSet("install", "install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name S]\n\n"+
			"Installs the Jupyter kernelspec (kernel.json, logos and a copy of this executable)\nin kernels/NAME under the chosen Jupyter data directory.", stderr)
	}
	var sf scopeFlags
	sf.register(fs)
	var display string
	if !uninstall {
		fs.StringVar(&display, "display-name", install.DefaultDisplayName, "`name` shown in Jupyter's kernel menus")
	}
	pos, status, ok := parse(fs, args)
	if !ok {
		return status
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q\n", fs.Name(), pos[0])
		return 2
	}
	opts, err := sf.options()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return 2
	}
	if uninstall {
		dir, err := install.Uninstall(opts)
		if err != nil {
			fmt.Fprintf(stderr, "gopar uninstall: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "Removed kernelspec %s from %s\n", strings.ToLower(opts.Name), dir)
		return 0
	}
	opts.DisplayName = display
	dir, err := install.Install(opts)
	if err != nil {
		fmt.Fprintf(stderr, "gopar install: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Installed kernelspec %s in %s\n", strings.ToLower(opts.Name), dir)
	if opts.Scope == install.Prefix {
		data, _ := install.DataDir(opts)
		fmt.Fprintf(stdout, "Jupyter finds it when JUPYTER_PATH includes %s\n", data)
	}
	return 0
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", "run NOTEBOOK.ipynb [-o OUT.ipynb | --inplace] [--html OUT.html] [--timeout D] [--allow-errors]\n\n"+
		"Executes a notebook in this process, without Jupyter, and writes the executed\n"+
		"notebook (by default NOTEBOOK.out.ipynb; with --inplace, NOTEBOOK.ipynb itself)\n"+
		"and, with --html, a self-contained HTML report. The files are written even when\n"+
		"a cell fails; the command then exits with status 1, naming the cell and the error.", stderr)
	var (
		out, htmlOut       string
		inplace, allowErrs bool
		quiet              bool
		timeout            time.Duration
	)
	fs.StringVar(&out, "o", "", "write the executed notebook to `file` (default NOTEBOOK.out.ipynb)")
	fs.StringVar(&out, "output", "", "same as -o")
	fs.BoolVar(&inplace, "inplace", false, "overwrite the input notebook with the executed one")
	fs.StringVar(&htmlOut, "html", "", "also write an HTML report to `file`")
	fs.DurationVar(&timeout, "timeout", 30*time.Minute, "limit for each cell (0 for none)")
	fs.BoolVar(&allowErrs, "allow-errors", false, "run all cells even after one fails, and exit 0")
	fs.BoolVar(&quiet, "q", false, "print no progress")
	pos, status, ok := parse(fs, args)
	if !ok {
		return status
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "gopar run: need exactly one NOTEBOOK.ipynb")
		fs.Usage()
		return 2
	}
	if inplace && out != "" {
		fmt.Fprintln(stderr, "gopar run: use -o or --inplace, not both")
		return 2
	}
	if inplace {
		out = pos[0]
	}
	// Fail on a missing or broken notebook before starting the engine.
	if _, err := nbrun.ReadNotebook(pos[0]); err != nil {
		fmt.Fprintf(stderr, "gopar run: %v\n", err)
		return 1
	}
	// stderr was taken before interp.New swaps os.Stderr: it stays the
	// terminal.
	log := stderr
	eng, err := interp.New(interp.Options{})
	if err != nil {
		fmt.Fprintf(log, "gopar run: starting the Go engine: %v\n", err)
		return 1
	}
	defer eng.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	progress := log
	if quiet {
		progress = nil
	}
	exe, _ := os.Executable()
	err = nbrun.Run(ctx, eng, nbrun.Options{Input: pos[0], Output: out, HTML: htmlOut, Timeout: timeout, AllowErrors: allowErrs, Log: progress, Kernel: installedKernel(exe)})
	if err != nil {
		fmt.Fprintf(log, "gopar run: %s: %s\n", pos[0], oneLine(err))
		return 1
	}
	return 0
}

// installedKernel is the kernelspec `gopar run` records in a notebook that
// does not name a Go kernel: the one the executable exe was installed as
// (when it is the copy in kernels/NAME), else the zero KernelSpec, which
// nbrun takes for gopar's default.
func installedKernel(exe string) nbrun.KernelSpec {
	name, spec, ok := install.Installed(exe)
	if !ok {
		return nbrun.KernelSpec{}
	}
	return nbrun.KernelSpec{Name: name, DisplayName: spec.DisplayName, Language: spec.Language}
}

// versionString is "gopar VERSION (GOVERSION, yaegi VERSION, OS/ARCH)".
// VERSION is the -ldflags version if set, else the module version when
// built with `go install module@version`, else the engine's version.
func versionString() string {
	v := version
	yaegi := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == "github.com/traefik/yaegi" {
				yaegi = d.Version
				if d.Replace != nil {
					yaegi = d.Replace.Version
				}
			}
		}
	}
	if v == "" {
		v = interp.Version
	}
	return fmt.Sprintf("gopar %s (%s, yaegi %s, %s/%s)", v, runtime.Version(), yaegi, runtime.GOOS, runtime.GOARCH)
}
