package magic

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gopar/gopar/engine"
)

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
