// Command gopar is a Jupyter kernel for Go, made for parallel-computing
// experiments. The one binary is the kernel, its installer and a notebook
// runner:
//
//   - gopar install writes the Jupyter kernelspec (kernel.json, the logos
//     and a copy of this executable) in kernels/NAME under a Jupyter data
//     directory, the user's by default;
//   - gopar uninstall removes it;
//   - gopar run executes a notebook without Jupyter, and writes the
//     executed notebook and, if asked, a self-contained HTML report;
//   - gopar kernel is the kernel itself, which Jupyter starts as kernel.json
//     says;
//   - gopar version prints the versions of gopar, Go and yaegi, and whether
//     native cells are available;
//   - gopar worker is a worker process for a notebook's dist calls (package
//     dist), on this machine or another, connected through NATS;
//   - gopar engine is internal, not listed in gopar's usage: the engine
//     process that gopar kernel and gopar run start (the same executable),
//     in which cells run, so that a fatal error in a cell ends that process
//     and not the kernel (see package engine/proc).
//
// `gopar help` lists the commands with their usage lines; `gopar help
// COMMAND`, or `gopar COMMAND --help`, describes one and its flags.
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
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gopar/gopar/engine/proc"
	"github.com/gopar/gopar/install"
	"github.com/gopar/gopar/internal/prebind"
	"github.com/gopar/gopar/interp"
	"github.com/gopar/gopar/interp/native"
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

// A command is an entry of gopar's command table.
type command struct {
	// synopsis is the usage line, "gopar NAME ARGS...", written only here:
	// gopar's usage, the command's help and the dispatch all read it. Its
	// second word is the command's name.
	synopsis string
	// short is the command's one-line description in gopar's usage.
	short string
	// long is the description that the command's help prints between the
	// usage line and the flags.
	long string
	// aliases are other names that run the command, not shown in the usage.
	aliases []string
	// hidden leaves the command out of gopar's usage: it is internal,
	// started by gopar itself, not by users.
	hidden bool
	// flags defines the command's flags on fs and returns its run function,
	// which reads their values once fs has parsed the command line.
	flags func(fs *flag.FlagSet) runFunc
}

// A runFunc runs a command with its positional arguments. It returns nil
// on success, a *usageError for a bad command line (exit status 2), or
// another error for a failure (status 1); exec prints either as
// "gopar NAME: ERROR".
type runFunc func(args []string, stdout, stderr io.Writer) error

// commands is gopar's command table, in the order of gopar's usage.
var commands = []*command{
	{
		synopsis: "gopar install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name S]",
		short:    "install the kernelspec so Jupyter can start gopar",
		long: "Installs the Jupyter kernelspec (kernel.json, logos and a copy of this executable)\n" +
			"in kernels/NAME under the chosen Jupyter data directory.",
		flags: installFlags,
	},
	{
		synopsis: "gopar uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]",
		short:    "remove the kernelspec",
		long:     "Removes the kernelspec that 'gopar install' wrote.",
		flags:    uninstallFlags,
	},
	{
		synopsis: "gopar run NOTEBOOK.ipynb [-o OUT.ipynb | --inplace] [--html OUT.html] [--timeout D] [--allow-errors]",
		short:    "execute a notebook without Jupyter; write it and an HTML report",
		long: "Executes a notebook in this process, without Jupyter, and writes the executed\n" +
			"notebook (by default NOTEBOOK.out.ipynb; with --inplace, NOTEBOOK.ipynb itself)\n" +
			"and, with --html, a self-contained HTML report. The files are written even when\n" +
			"a cell fails; the command then exits with status 1, naming the cell and the error.\n" +
			"Run in place, the cells after the failing one keep their earlier outputs, as in\n" +
			"Jupyter when Run All stops at an error.",
		flags: runFlags,
	},
	{
		synopsis: "gopar kernel --connection-file FILE",
		short:    "run the kernel (what Jupyter starts; kernel.json says so)",
		long:     "Runs the kernel for a Jupyter frontend. kernel.json runs this; you rarely do.",
		flags:    kernelFlags,
	},
	{
		synopsis: "gopar version",
		short:    "print the versions of gopar, Go and yaegi",
		long: "Prints the versions of gopar, of the Go it was built with and of yaegi, and\n" +
			"the system and architecture. 'gopar --version' does the same.",
		aliases: []string{"--version", "-version"},
		flags:   versionFlags,
	},
	{
		synopsis: "gopar worker [--nats URL] [--token T | --creds FILE | --user U --password P] [--prefix P]",
		short:    "serve a notebook's dist tasks from a NATS server (a worker process)",
		long:     workerLong,
		flags:    workerFlags,
	},
	{
		// Internal: gopar kernel and gopar run start this executable as
		// "gopar engine" (engine/proc's child side); it is never run by
		// hand, and fails at once when it is.
		synopsis: "gopar engine",
		short:    "internal: the engine process that gopar kernel and gopar run start",
		long: "Runs the Go engine for the gopar kernel or gopar run that started it, which talks\n" +
			"to it over file descriptor 3. Internal: a fatal error in a cell ends this\n" +
			"process, not the kernel, which starts a new one. It is not run by hand.",
		hidden: true,
		flags:  engineFlags,
	},
}

// name is the command's name, the second word of its synopsis.
func (c *command) name() string { return strings.Fields(c.synopsis)[1] }

// lookup returns the command called name, or nil.
func lookup(name string) *command {
	for _, c := range commands {
		if c.name() == name || slices.Contains(c.aliases, name) {
			return c
		}
	}
	return nil
}

// run is main without os.Exit: it returns the exit status (0, 1 when a
// command fails, 2 for a bad command line).
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}
	name, args := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		return help(args, stdout, stderr)
	}
	c := lookup(name)
	if c == nil {
		return unknown(name, stderr)
	}
	return c.exec(args, stdout, stderr)
}

// help is `gopar help [COMMAND]`: gopar's usage, or the command's help.
func help(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || strings.HasPrefix(args[0], "-") {
		printUsage(stdout)
		return 0
	}
	c := lookup(args[0])
	if c == nil {
		return unknown(args[0], stderr)
	}
	fs, _ := c.flagSet(stderr)
	c.printHelp(stdout, fs)
	return 0
}

// unknown reports an unknown command and returns status 2.
func unknown(name string, stderr io.Writer) int {
	fmt.Fprintf(stderr, "gopar: unknown command %q\n\n", name)
	printUsage(stderr)
	return 2
}

// descColumn is where gopar's usage starts the commands' descriptions.
const descColumn = 31

// printUsage prints gopar's usage: each command's synopsis and short
// description.
func printUsage(w io.Writer) {
	fmt.Fprint(w, "gopar is a Jupyter kernel for Go, made for parallel-computing experiments.\n\nUsage:\n")
	for _, c := range commands {
		if c.hidden {
			continue
		}
		if line := "  " + c.synopsis; len(line) < descColumn {
			fmt.Fprintf(w, "%-*s%s\n", descColumn, line, c.short)
		} else {
			fmt.Fprintf(w, "%s\n%*s%s\n", line, descColumn, "", c.short)
		}
	}
	fmt.Fprint(w, "\nRun 'gopar COMMAND --help' for a command's flags.\n")
}

// flagSet returns a new flag set holding the command's flags, which
// reports errors on stderr, and the run function that reads it.
func (c *command) flagSet(stderr io.Writer) (*flag.FlagSet, runFunc) {
	fs := flag.NewFlagSet("gopar "+c.name(), flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // exec prints the help: on stdout when asked for
	return fs, c.flags(fs)
}

// printHelp prints the command's usage line, description and flags.
func (c *command) printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s\n", c.synopsis)
	if c.long != "" {
		fmt.Fprintf(w, "\n%s\n", c.long)
	}
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintln(w)
		out := fs.Output()
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(out)
	}
}

// exec parses the command's flags in args and runs it. --help prints the
// command's help on stdout; errors go to stderr.
func (c *command) exec(args []string, stdout, stderr io.Writer) int {
	fs, run := c.flagSet(stderr)
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		c.printHelp(stdout, fs)
		return 0
	}
	if err != nil {
		// The flag package has printed what is wrong.
		c.printHelp(stderr, fs)
		return 2
	}
	err = run(pos, stdout, stderr)
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "gopar %s: %v\n", c.name(), err)
	var uerr *usageError
	if errors.As(err, &uerr) {
		if uerr.help {
			c.printHelp(stderr, fs)
		}
		return 2
	}
	return 1
}

// A usageError is a mistake in a command line: the command exits with
// status 2.
type usageError struct {
	msg  string
	help bool // print the command's help after msg
}

func (e *usageError) Error() string { return e.msg }

// usagef returns a *usageError with the formatted message.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// noArgs is the usage error for positional arguments given to a command
// that takes none.
func noArgs(args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}

// parseArgs parses flags that may come before or after positional
// arguments, and returns the positional ones. "--" ends the flags: the
// arguments after it are positional.
func parseArgs(fs *flag.FlagSet, args []string) (pos []string, err error) {
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if endedAtDashes(fs, args[:len(args)-len(rest)]) {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// endedAtDashes reports whether fs.Parse, having consumed parsed, stopped
// at a "--" rather than before a positional argument: whether parsed holds
// a "--" that is not a flag's value (it is then the last of parsed).
func endedAtDashes(fs *flag.FlagSet, parsed []string) bool {
	for i := 0; i < len(parsed); i++ {
		if parsed[i] == "--" {
			return true
		}
		name := strings.TrimLeft(parsed[i], "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
				i++ // the next argument is the flag's value
			}
		}
	}
	return false
}

// kernelFlags defines the flags of `gopar kernel`.
func kernelFlags(fs *flag.FlagSet) runFunc {
	var conn string
	fs.StringVar(&conn, "connection-file", "", "Jupyter connection `file` (JSON with transport, ip, ports and key)")
	fs.StringVar(&conn, "f", "", "short for --connection-file")
	debug := fs.Bool("debug", false, "log routine events (listening, interrupts, aborts, shutdown) on stderr, not only problems")
	return func(args []string, _, stderr io.Writer) error {
		if err := noArgs(args); err != nil {
			return err
		}
		if conn == "" {
			return usagef("missing --connection-file FILE")
		}
		return serveKernel(conn, *debug, stderr)
	}
}

// serveKernel is `gopar kernel`: it serves Jupyter's requests on the
// connection file's ports until SIGTERM or a shutdown request. Cells run in
// a supervised child process ("gopar engine", see startEngine), so that a
// fatal error in one costs that cell, not the kernel.
func serveKernel(conn string, debug bool, stderr io.Writer) error {
	logw := stderr
	if _, err := os.Stat(conn); err != nil {
		return fmt.Errorf("connection file %s: %v", conn, errors.Unwrap(err))
	}
	var relay sync.Once
	eng, err := startEngine(logw, 0, func(int) { relay.Do(func() { runtime.GOMAXPROCS(kernelProcs) }) })
	if err != nil {
		return err
	}
	defer eng.Close()
	// SIGINT interrupts the running cell (the kernel handles it); SIGTERM
	// ends the kernel.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	// The ports were bound while the program initialised (internal/prebind).
	defer prebind.CloseAll()
	err = kernel.Serve(ctx, kernel.Config{ConnectionFile: conn, Engine: eng, Log: logw, Debug: debug, Prebound: prebind.Take,
		ParentPID: kernel.ParentPIDFromEnv()}) // shut down when Jupyter's launcher is gone
	if err != nil && ctx.Err() != nil {
		// SIGTERM: the frontend ends the kernel; that is a clean exit.
		return nil
	}
	if err != nil {
		return errors.New(oneLine(err))
	}
	return nil
}

// kernelProcs is the GOMAXPROCS of `gopar kernel` once its engine is
// ready. The kernel relays messages between its sockets and the engine's
// process, work that one thread does easily; with a single P, a goroutine
// that hands a message on to another (the socket's reader to the executor,
// the engine's reader back to the executor) wakes no second thread, which
// on a small machine would compete with the engine and the client for the
// cores: about 3% off an execute round trip on 2 cores
// (bench/kernel_latency.py). Start-up keeps every P, to accept the client's
// connections while the engine starts. The engine's process, which runs
// the cells, keeps all of them: runtime.GOMAXPROCS does not change the
// environment it inherits.
const kernelProcs = 1

// startEngine starts the Go engine in a supervised child process: this
// executable run as "gopar engine". It returns at once: the engine loads
// in the background (about 0.1 s) while the kernel binds its sockets and
// answers kernel_info with interp.Info, and the first cell waits for it.
// The engine writes its log (its restarts, and what the child writes on
// its own stdout and stderr) to logw. grace is how long a cell has to stop
// after an interrupt before its process is killed and restarted (0:
// proc.DefaultInterruptGrace). ready, if not nil, is called each time an
// engine process is ready (proc.Config.Ready).
func startEngine(logw io.Writer, grace time.Duration, ready func(pid int)) (*proc.Engine, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding this executable to start the engine process: %v", err)
	}
	return proc.Start(proc.Config{
		Command:        []string{exe, "engine"},
		Log:            logw,
		Info:           interp.Info(),
		InterruptGrace: grace,
		Ready:          ready,
	}), nil
}

// engineFlags defines the flags of `gopar engine`: none.
func engineFlags(fs *flag.FlagSet) runFunc {
	return func(args []string, _, _ io.Writer) error {
		if err := noArgs(args); err != nil {
			return err
		}
		return serveEngine()
	}
}

// serveEngine is `gopar engine`, the child process of startEngine: it
// builds the Go engine and serves the kernel with it over the connection
// the kernel passed (engine/proc), until the kernel closes it or dies.
// proc.NewChild also sets the process's memory and stack limits
// (internal/memguard), the memory limit from GOPAR_ENGINE_MEMLIMIT.
func serveEngine() error {
	ch, err := proc.NewChild()
	if err != nil {
		return err
	}
	// Locate tells the kernel which line of a cell runs, so that a crash
	// report can say where the engine died.
	eng, err := interp.New(interp.Options{Locate: ch.Locate})
	if err != nil {
		return fmt.Errorf("starting the Go engine: %s", oneLine(err))
	}
	// Compiled code of a %%native cell cannot be stopped from outside: when
	// it ignores an interrupt, the engine ends itself with a clear message
	// (and the kernel restarts it), before the kernel's own grace runs out.
	native.ExitWhenStuck(nativeStuckGrace)
	return ch.Serve(eng)
}

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

// options checks the command line of install or uninstall (no positional
// arguments, one scope at most) and returns the options it gives.
func (s *scopeFlags) options(args []string) (install.Options, error) {
	opts := install.Options{Scope: install.User, Name: s.name}
	if err := noArgs(args); err != nil {
		return opts, err
	}
	n := 0
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
		return opts, usagef("use only one of --user, --sys-prefix and --prefix")
	}
	return opts, nil
}

// installFlags defines the flags of `gopar install`.
func installFlags(fs *flag.FlagSet) runFunc {
	var sf scopeFlags
	sf.register(fs)
	display := fs.String("display-name", install.DefaultDisplayName, "`name` shown in Jupyter's kernel menus")
	return func(args []string, stdout, _ io.Writer) error {
		opts, err := sf.options(args)
		if err != nil {
			return err
		}
		opts.DisplayName = *display
		dir, err := install.Install(opts)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Installed kernelspec %s in %s\n", strings.ToLower(opts.Name), dir)
		if opts.Scope == install.Prefix {
			data, _ := install.DataDir(opts)
			fmt.Fprintf(stdout, "Jupyter finds it when JUPYTER_PATH includes %s\n", data)
		}
		return nil
	}
}

// uninstallFlags defines the flags of `gopar uninstall`.
func uninstallFlags(fs *flag.FlagSet) runFunc {
	var sf scopeFlags
	sf.register(fs)
	return func(args []string, stdout, _ io.Writer) error {
		opts, err := sf.options(args)
		if err != nil {
			return err
		}
		dir, err := install.Uninstall(opts)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Removed kernelspec %s from %s\n", strings.ToLower(opts.Name), dir)
		return nil
	}
}

// runFlags defines the flags of `gopar run`.
func runFlags(fs *flag.FlagSet) runFunc {
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
	return func(args []string, _, stderr io.Writer) error {
		engineLog := stderr
		if len(args) != 1 {
			return &usageError{msg: "need exactly one NOTEBOOK.ipynb", help: true}
		}
		if inplace && out != "" {
			return usagef("use -o or --inplace, not both")
		}
		opts := nbrun.Options{Input: args[0], Output: out, HTML: htmlOut, Timeout: timeout, AllowErrors: allowErrs, Log: stderr}
		if inplace {
			opts.Output = opts.Input
		}
		if quiet {
			opts.Log = nil
		}
		return runNotebook(opts, engineLog)
	}
}

// nativeStuckGrace is how long compiled code of a %%native cell may ignore
// an interrupt before the engine ends itself: shorter than the kernel's
// grace (proc.DefaultInterruptGrace) and gopar run's (runGrace), so that
// the user reads the engine's own explanation.
const nativeStuckGrace = 2 * time.Second

// runGrace is how long a cell of `gopar run` has to stop after its
// timeout (or a Ctrl-C) before the engine process is killed and restarted
// with the earlier cells' definitions.
const runGrace = 3 * time.Second

// runNotebook is `gopar run`: it executes the notebook with the Go engine
// in a supervised child process, as the kernel does: a cell that crashes
// the engine fails with an EngineCrashed error, and a cell that does not
// stop after its timeout gets its process killed; the next cells run in a
// new engine process with the earlier cells' definitions restored. The
// engine's log (its restarts, and what its process writes on its own
// stderr) goes to logw.
func runNotebook(opts nbrun.Options, logw io.Writer) error {
	// Fail on a missing or broken notebook, or an output that cannot be
	// written, before starting the engine.
	if err := nbrun.Check(opts); err != nil {
		return err
	}
	eng, err := startEngine(logw, runGrace, nil)
	if err != nil {
		return err
	}
	defer eng.Close()
	// proc's Execute returns at most runGrace plus the restart after a
	// cell's context ends; nbrun must wait that long rather than abandon
	// the call.
	opts.Grace = runGrace + proc.RestartWait + 5*time.Second
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	exe, _ := os.Executable()
	opts.Kernel = installedKernel(exe)
	if err := nbrun.Run(ctx, eng, opts); err != nil {
		return fmt.Errorf("%s: %s", opts.Input, oneLine(err))
	}
	return nil
}

// versionFlags defines the flags of `gopar version`: none.
func versionFlags(fs *flag.FlagSet) runFunc {
	return func(args []string, stdout, _ io.Writer) error {
		if err := noArgs(args); err != nil {
			return err
		}
		fmt.Fprintln(stdout, versionString())
		return nil
	}
}

// installedKernel is the kernelspec `gopar run` records in a notebook that
// does not name a Go kernel: the one the executable exe was installed as
// (when it is the copy in kernels/NAME), else gopar's default kernelspec.
func installedKernel(exe string) nbrun.KernelSpec {
	name, spec, ok := install.Installed(exe)
	if !ok {
		return nbrun.KernelSpec{Name: install.DefaultName, DisplayName: install.DefaultDisplayName, Language: "go"}
	}
	return nbrun.KernelSpec{Name: name, DisplayName: spec.DisplayName, Language: spec.Language}
}

// versionString is "gopar VERSION (GOVERSION, yaegi VERSION, OS/ARCH)",
// and a line that says whether native cells are available.
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
	return fmt.Sprintf("gopar %s (%s, yaegi %s, %s/%s)\n%s", v, runtime.Version(), yaegi, runtime.GOOS, runtime.GOARCH, interp.NativeSummary())
}
