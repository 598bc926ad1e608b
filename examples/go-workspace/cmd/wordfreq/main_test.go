package main

import (
	"bytes"
	"testing"
)

func TestRunPrintsTheTopWords(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-n", "2", "to be or not to be"}, &out); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "   2 be\n   2 to\n"; got != want {
		t.Fatalf("output %q, want %q", got, want)
	}
}
