// Package proc runs a language engine in a supervised child process, so
// that a fatal error in a user's cell ("fatal error: concurrent map writes",
// a stack overflow, running out of memory), which no recover can stop, ends
// the child and costs the running cell, not the kernel and the user's
// session.
//
// The kernel's process calls Start and gets an *Engine, which implements
// engine.Engine by forwarding each call to the child. The child is the same
// program started with a hidden sub-command; it calls NewChild and then
// Child.Serve with its real engine. Wiring both ends takes a few lines (see
// the package example):
//
//	// in the kernel process
//	exe, _ := os.Executable()
//	eng := proc.Start(proc.Config{Command: []string{exe, "engine"}, Log: logw, Info: interp.Info()})
//	defer eng.Close()
//
//	// in the child ("gopar engine")
//	ch, err := proc.NewChild()
//	…
//	eng, err := interp.New(interp.Options{…, Locate: ch.Locate})
//	…
//	err = ch.Serve(eng)
//
// # Supervision
//
// When the child dies, the cell it was running ends with an error of kind
// engine.EngineCrashed whose value is the first line the Go runtime wrote on
// the child's standard error ("fatal error: concurrent map writes"), or the
// memory watchdog's line (see internal/memguard), or "killed by signal 9" /
// "exited with status N" when the child wrote nothing. Its traceback says
// where the child was (from Child.Locate), which earlier cells were
// restored and which variables were lost. A new child is started at once,
// and the Restore texts (engine.ExecuteResult.Restore) of all earlier
// cells (of a failed cell, what it defined before failing) are executed in it again, silently and in order, before
// any further request. When the child dies while no cell runs, the next
// cell's output starts with a note on stderr saying so.
//
// An interrupt (the cancellation of Execute's context) is passed to the
// child, which cancels the running Execute's context. If the child has not
// answered InterruptGrace later, it is killed and restarted the same way.
// Engine implements engine.IdleInterrupter: an interrupt that comes while
// no cell runs is passed to the child's engine if it implements it too.
//
// # Process hygiene (Unix)
//
// The child runs in its own session and process group, so that the SIGINT
// Jupyter sends to the kernel's process group does not reach it, and so
// that one kill of the group ends the child and whatever its cells started;
// the parent does that whenever a child ends, and on Linux it also kills
// every process left in the child's session: processes that cells started
// in process groups of their own (the Go engine does, so that an interrupt
// ends the processes of the cell it stops, group by group). On Linux the child also gets SIGKILL when the
// kernel dies (Pdeathsig); everywhere, it exits when the protocol
// connection reaches end of file. The child's standard output and standard
// error go to the parent, which reads them: in stderr it looks for the Go
// runtime's crash report, whose header it keeps (with the first lines of
// the goroutine dump and a count of the rest, for the log) however long
// the dump is; lines that are
// not part of a crash go to Config.Log, as does stdout. What it holds is
// bounded (a few dozen lines of at most 4 KB). The protocol runs over a
// third descriptor (a socket pair passed as file descriptor 3), never over
// stdout or stderr, since code in a cell may write to those descriptors
// directly.
//
// Only Unix is supported for now. The package builds everywhere, but on
// other systems the child cannot start, and every Execute says so.
//
// # Protocol
//
// Parent and child exchange JSON objects, one per line, over the socket
// pair. Each has an "op" field naming its kind; the other fields depend on
// it (absent fields are zero). Values of engine types travel as objects
// whose fields are named as in the Jupyter messages they end up in.
//
// From the parent to the child:
//
//	{"op":"execute","id":N,"request":{"code":…,"silent":…,"store_history":…,
//	   "user_expressions":{…},"allow_stdin":…,"execution_count":…}}
//	    run a cell; the child answers with "result" and the same id.
//	{"op":"interrupt","id":N}
//	    cancel the context of the running execute N (ignored otherwise).
//	{"op":"interrupt_idle"}
//	    an interrupt while no cell runs: the child calls its engine's
//	    InterruptIdle (engine.IdleInterrupter), unless a cell runs or
//	    the engine has none.
//	{"op":"input_reply","seq":S,"text":…,"err":…}
//	    the answer to "input" S; err is "" (ok), "nostdin"
//	    (engine.ErrNoStdin), "canceled" or another message. No answer
//	    comes when the cell was interrupted meanwhile: the interrupt ends
//	    the child's wait.
//	{"op":"complete","id":N,"code":…,"cursor":…}
//	{"op":"inspect","id":N,"code":…,"cursor":…,"detail":…}
//	{"op":"is_complete","id":N,"code":…}
//	    queries; answered by a message of op "reply" with the same id.
//	{"op":"close"}
//	    close the engine and exit.
//
// From the child to the parent:
//
//	{"op":"hello","pid":P,"version":1}
//	    first message: the engine is ready.
//	{"op":"stream","name":"stdout"|"stderr","text":…}
//	{"op":"display","display":{"data":{…},"metadata":{…},"display_id":…,"update":…}}
//	{"op":"clear","wait":…}
//	    output of the running cell; the parent passes it to that cell's
//	    engine.Output, or to the latest one when no cell runs.
//	{"op":"input","id":N,"seq":S,"prompt":…,"password":…}
//	    execute N asks the user for a line; answered by "input_reply" S.
//	{"op":"input_cancel","seq":S}
//	    the child stopped waiting for input S (its context ended).
//	{"op":"locate","where":"In [3] line 7"}
//	    where the running cell is (Child.Locate); kept to explain a crash.
//	{"op":"result","id":N,"result":{"result":{display},"error":{"ename":…,
//	   "evalue":…,"traceback":[…]},"user_expressions":{…},"payloads":[…],
//	   "restore":…,"variables":[…]}}
//	    the end of execute N.
//	{"op":"reply","id":N,"completion":{"matches":[…],"cursor_start":…,
//	   "cursor_end":…,"metadata":{…}}}
//	{"op":"reply","id":N,"inspection":{"found":…,"data":{…}}}
//	{"op":"reply","id":N,"status":…,"indent":…}
//	    the answers to complete, inspect and is_complete.
//
// The parent sends one execute at a time and waits for its result; queries
// may come at any time, and the child runs them when no execute runs. A
// receiver ignores ops it does not know.
package proc
