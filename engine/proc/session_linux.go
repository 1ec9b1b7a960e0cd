package proc

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// killSession sends SIGKILL to every process of session sid, found in
// /proc: the descendants of the child that are still in its session, in
// whatever process group. It looks again while it finds some, since a
// process may fork while it is being looked for (a few times at most).
// Zombies are skipped: they are dead already.
func killSession(sid int) {
	if sid <= 0 {
		return
	}
	self := os.Getpid()
	for range 8 {
		found := 0
		d, err := os.Open("/proc")
		if err != nil {
			return
		}
		names, _ := d.Readdirnames(-1)
		d.Close()
		for _, name := range names {
			pid, err := strconv.Atoi(name)
			if err != nil || pid == self {
				continue
			}
			b, err := os.ReadFile("/proc/" + name + "/stat")
			if err != nil {
				continue
			}
			if s, state, ok := statSession(b); ok && s == sid && state != 'Z' {
				syscall.Kill(pid, syscall.SIGKILL)
				found++
			}
		}
		if found == 0 {
			return
		}
	}
}

// statSession reads the state and session id from the contents of
// /proc/PID/stat: "PID (COMM) STATE PPID PGRP SESSION …", where COMM may
// hold spaces and parentheses.
func statSession(b []byte) (sid int, state byte, ok bool) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 4 || len(f[0]) != 1 {
		return 0, 0, false
	}
	sid, err := strconv.Atoi(string(f[3]))
	return sid, f[0][0], err == nil
}
