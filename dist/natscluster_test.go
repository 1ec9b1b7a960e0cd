package dist

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startNATSCluster starts n NATS servers on 127.0.0.1, routed to each
// other as one cluster, and returns them once the routes are up.
func startNATSCluster(t *testing.T, n int) []*server.Server {
	t.Helper()
	// Reserve the cluster ports first, so that every node can name all
	// routes from the start.
	clusterPorts := make([]int, n)
	var probes []*server.Server
	for i := range clusterPorts {
		s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true,
			Cluster: server.ClusterOpts{Name: "probe", Host: "127.0.0.1", Port: server.RANDOM_PORT}})
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		if !s.ReadyForConnections(10 * time.Second) {
			t.Fatal("probe server not ready")
		}
		clusterPorts[i] = s.ClusterAddr().Port
		probes = append(probes, s)
	}
	for _, s := range probes {
		s.Shutdown()
		s.WaitForShutdown()
	}
	var routes []*url.URL
	for _, p := range clusterPorts {
		routes = append(routes, &url.URL{Scheme: "nats-route", Host: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	servers := make([]*server.Server, n)
	for i := range servers {
		s, err := server.NewServer(&server.Options{
			ServerName: fmt.Sprintf("node%d", i), Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true,
			Cluster: server.ClusterOpts{Name: "gopar-test", Host: "127.0.0.1", Port: clusterPorts[i]},
			Routes:  routes,
		})
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		if !s.ReadyForConnections(10 * time.Second) {
			t.Fatalf("node%d not ready", i)
		}
		servers[i] = s
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, s := range servers {
		for s.NumRoutes() < n-1 {
			if time.Now().After(deadline) {
				t.Fatalf("routes not up after 30 s: %s has %d", s.Name(), s.NumRoutes())
			}
			time.Sleep(10 * time.Millisecond) // NATS has no signal for "routes up"
		}
	}
	return servers
}

// startRemoteWorker starts a worker process that joins by itself, as
// `gopar worker --nats URL` on another machine would.
func startRemoteWorker(t *testing.T, url string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NATS_") && !strings.HasPrefix(kv, "GOPAR_DIST_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, envTestWorker+"=1", EnvURL+"="+url, EnvPrefix+"=clustertest")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("worker on %s:\n%s", url, stderr.String())
		}
	})
	return cmd
}

// TestClusterNodeKilledMidRun runs a Pmap over a 3-node NATS cluster with
// the notebook on one node and workers on the other two, kills a node
// mid-run (one with workers, or the notebook's), and checks that the Pmap
// completes, in order, and that every worker still works after.
func TestClusterNodeKilledMidRun(t *testing.T) {
	for _, c := range []struct {
		name string
		kill int
	}{{"workers-node", 1}, {"notebook-node", 0}} {
		t.Run(c.name, func(t *testing.T) { testNodeKilled(t, c.kill) })
	}
}

func testNodeKilled(t *testing.T, kill int) {
	nodes := startNATSCluster(t, 3)
	tc := newTestCluster(t)
	tc.Prefix = "clustertest"
	if err := tc.Connect(nodes[0].ClientURL()); err != nil {
		t.Fatal(err)
	}
	// Two workers on node 1, two on node 2; they join by themselves.
	for _, i := range []int{1, 1, 2, 2} {
		startRemoteWorker(t, nodes[i].ClientURL())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := tc.WaitWorkers(ctx, 4); err != nil {
		t.Fatal(err)
	}
	// Every worker answers, wherever it is attached.
	pids, err := tc.Pmap(context.Background(), "pid", ints(40))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[any]bool{}
	for _, p := range pids {
		seen[p] = true
	}
	if len(seen) != 4 {
		t.Errorf("%d workers answered, want 4", len(seen))
	}

	const n = 120
	done := make(chan struct{})
	var got []any
	go func() {
		defer close(done)
		got, err = tc.Pmap(context.Background(), "slow", ints(n))
	}()
	tc.out.waitFor(t, "start", 20)
	nodes[kill].Shutdown()
	<-done
	if err != nil {
		t.Fatalf("Pmap across a node's death: %v", err)
	}
	for i, v := range got {
		if v != i*10 {
			t.Fatalf("result %d = %v, want %d", i, v, i*10)
		}
	}
	// The workers of the dead node moved to the others and still work.
	pids, err = tc.Pmap(context.Background(), "pid", ints(40))
	if err != nil {
		t.Fatal(err)
	}
	clear(seen)
	for _, p := range pids {
		seen[p] = true
	}
	if len(seen) != 4 {
		t.Errorf("after the node's death, %d workers answered, want 4 (workers %v; notes %q)", len(seen), tc.Workers(), tc.errs)
	}
}
