package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	db, err := open(filepath.Join(t.TempDir(), "sub", "notes.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < 2; i++ { // seeding twice adds nothing the second time
		if err := seedIfEmpty(db); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	if err := report(db, &b); err != nil {
		t.Fatal(err)
	}
	want := "build (2): compile in one stage, ship from another; keep the module cache between builds\n" +
		"runtime (1): a cgo binary needs the glibc it was linked against\n"
	if b.String() != want {
		t.Fatalf("report:\n%s\nwant:\n%s", b.String(), want)
	}
}
