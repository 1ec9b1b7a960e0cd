// Command echokernel is a Jupyter kernel around a toy engine, used to check
// package kernel against real Jupyter clients (see ../conformance.py). Its
// cells are lines of commands: "out:TEXT", "err:TEXT", "result:TEXT",
// "display:TEXT", "clear", "fail:TEXT", "page:TEXT", "input:PROMPT",
// "lines:N", "block".
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/kernel"
)

type toy struct{}

func (toy) Info() engine.Info {
	return engine.Info{
		Implementation: "echokernel", ImplementationVersion: "0.1",
		LanguageInfo: map[string]any{"name": "toy", "version": "1", "mimetype": "text/plain", "file_extension": ".toy"},
		Banner:       "toy kernel for package kernel's conformance checks",
	}
}

func (toy) Execute(ctx context.Context, req engine.ExecuteRequest, out engine.Output) engine.ExecuteResult {
	var res engine.ExecuteResult
	for _, line := range strings.Split(req.Code, "\n") {
		cmd, arg, _ := strings.Cut(line, ":")
		switch cmd {
		case "out":
			out.Stream("stdout", arg+"\n")
		case "err":
			out.Stream("stderr", arg+"\n")
		case "result":
			res.Result = &engine.Display{Data: engine.Bundle{"text/plain": arg}}
		case "display":
			out.Display(engine.Display{Data: engine.Bundle{"text/plain": arg, "text/html": "<b>" + arg + "</b>"}})
		case "clear":
			out.Clear(false)
		case "fail":
			return engine.ExecuteResult{Err: engine.NewError(engine.OtherError, arg, "ToyError: "+arg)}
		case "page":
			res.Payloads = append(res.Payloads, map[string]any{"source": "page", "data": map[string]any{"text/plain": arg}, "start": 0})
		case "input":
			v, err := out.Input(ctx, arg, false)
			if err != nil {
				return engine.ExecuteResult{Err: engine.NewError(engine.OtherError, err.Error())}
			}
			out.Stream("stdout", "got "+v+"\n")
		case "lines":
			n, _ := strconv.Atoi(arg)
			for i := range n {
				out.Stream("stdout", strconv.Itoa(i)+"\n")
			}
		case "block":
			<-ctx.Done()
			return engine.ExecuteResult{Err: engine.NewError(engine.Interrupt, "interrupted")}
		}
	}
	return res
}

func (toy) Complete(code string, cursor int) engine.Completion {
	return engine.Completion{Matches: []string{"out:", "err:"}, CursorStart: max(cursor-1, 0), CursorEnd: cursor}
}

func (toy) Inspect(code string, cursor, detail int) engine.Inspection {
	return engine.Inspection{Found: true, Data: engine.Bundle{"text/plain": "the toy command " + code}}
}

func (toy) IsComplete(code string) (string, string) {
	switch {
	case strings.HasSuffix(code, "\\"):
		return engine.Incomplete, "  "
	case strings.HasPrefix(code, "!"):
		return engine.Invalid, ""
	}
	return engine.Complete, ""
}

func (toy) Close() error { return nil }

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: echokernel CONNECTION_FILE")
		os.Exit(2)
	}
	if err := kernel.Serve(context.Background(), kernel.Config{ConnectionFile: os.Args[1], Engine: toy{}, Log: os.Stderr}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
