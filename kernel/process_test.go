package kernel

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// The tests in this file run the kernel as a process of its own,
// testdata/echokernel, as Jupyter does, for clients that run in a process
// of their own too.

// binDir holds the echokernel binary, built on first use.
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildEchokernel builds testdata/echokernel once.
var buildEchokernel = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "gopar-kernel-test-")
	if err != nil {
		return "", err
	}
	binDir = dir
	gocmd, err := exec.LookPath("go")
	if err != nil {
		gocmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(dir, "echokernel")
	out, err := exec.Command(gocmd, "build", "-o", bin, "./testdata/echokernel").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./testdata/echokernel: %v\n%s", err, out)
	}
	return bin, nil
})

func echokernel(t *testing.T) string {
	t.Helper()
	bin, err := buildEchokernel()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// writeConnectionFile writes a connection file for a kernel on free TCP
// ports of 127.0.0.1.
func writeConnectionFile(t *testing.T, key, scheme string) (*connectionInfo, string) {
	t.Helper()
	p := freePorts(t, 5)
	ci := &connectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: key, SignatureScheme: cmp.Or(scheme, defaultScheme),
		ShellPort: p[0], ControlPort: p[1], StdinPort: p[2], HBPort: p[3], IOPubPort: p[4]}
	data, _ := json.Marshal(ci)
	path := filepath.Join(t.TempDir(), "kernel.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return ci, path
}

// requireJupyterClient skips the test if python cannot import
// jupyter_client, or fails it under GOPAR_E2E=1, as package e2e does.
func requireJupyterClient(t *testing.T) {
	t.Helper()
	if out, err := exec.Command(python, "-c", "import jupyter_client").CombinedOutput(); err != nil {
		msg := fmt.Sprintf("%s cannot import jupyter_client (apt-get install -y jupyter-client): %v %s", python, err, out)
		if os.Getenv("GOPAR_E2E") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// TestSignatureSchemesWithJupyterClient has jupyter_client talk to the
// kernel with each hash it may name in signature_scheme: both sides sign
// and check every message.
func TestSignatureSchemesWithJupyterClient(t *testing.T) {
	requireJupyterClient(t)
	bin := echokernel(t)
	for _, scheme := range []string{"hmac-sha256", "hmac-sha1", "hmac-sha384", "hmac-sha512", "hmac-md5", "hmac-sha224", "hmac-sha3_256"} {
		t.Run(scheme, func(t *testing.T) {
			_, path := writeConnectionFile(t, testKey, scheme)
			var logBuf syncBuffer
			cmd := exec.Command(bin, path)
			cmd.Stderr = &logBuf
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The client gives up when the kernel exits.
			ctx, cancel := context.WithCancel(context.Background())
			exited := make(chan struct{})
			go func() { cmd.Wait(); cancel(); close(exited) }()
			defer func() { cmd.Process.Kill(); <-exited }()
			out, err := exec.CommandContext(ctx, python, "testdata/signedexchange.py", path).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "ok 42") {
				t.Errorf("jupyter_client with %s: %v\n%s\nkernel log:\n%s", scheme, err, out, logBuf.String())
			}
		})
	}
}
