package prebind

import "testing"

func TestConnectionFile(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--connection-file", "a.json"}, "a.json"},
		{[]string{"-connection-file", "a.json"}, "a.json"},
		{[]string{"--connection-file=a.json"}, "a.json"},
		{[]string{"-f", "a.json"}, "a.json"},
		{[]string{"--f=a.json"}, "a.json"},
		{[]string{"--debug", "-f", "a.json"}, "a.json"},
		{[]string{"-f", "a.json", "-f", "b.json"}, "b.json"}, // the last wins, as with flag
		{[]string{"--", "-f", "a.json"}, ""},
		{[]string{"stray", "-f", "a.json"}, ""}, // flag stops at the first non-flag
		{[]string{"-f"}, ""},
		{[]string{"--connection-filex", "a.json"}, ""},
		{nil, ""},
	} {
		if got := connectionFile(tc.args); got != tc.want {
			t.Errorf("connectionFile(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestParseIPv4(t *testing.T) {
	for s, want := range map[string]bool{
		"127.0.0.1": true, "0.0.0.0": true, "*": true, "255.255.255.255": true,
		"256.0.0.1": false, "1.2.3": false, "01.2.3.4": false, "+1.2.3.4": false,
		"::1": false, "localhost": false, "": false, "1..2.3": false,
	} {
		if _, ok := parseIPv4(s); ok != want {
			t.Errorf("parseIPv4(%q) ok = %v, want %v", s, ok, want)
		}
	}
	if a, _ := parseIPv4("10.1.2.3"); a != [4]byte{10, 1, 2, 3} {
		t.Errorf("parseIPv4(10.1.2.3) = %v", a)
	}
}
