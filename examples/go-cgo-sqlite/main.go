// notes: a CLI that keeps notes in a SQLite file (data/notes.db, created at first run) through
// mattn/go-sqlite3, a cgo driver: the binary links glibc and needs a C compiler to build.
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime/debug"

	_ "github.com/mattn/go-sqlite3"
)

const dbPath = "data/notes.db"

var seed = []struct{ topic, text string }{
	{"build", "compile in one stage, ship from another"},
	{"build", "keep the module cache between builds"},
	{"runtime", "a cgo binary needs the glibc it was linked against"},
}

func open(path string) (*sql.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		return nil, err
	}
	_, err = db.Exec(`CREATE TABLE IF NOT EXISTS notes (
		id INTEGER PRIMARY KEY, topic TEXT NOT NULL, text TEXT NOT NULL)`)
	return db, err
}

func seedIfEmpty(db *sql.DB) error {
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM notes`).Scan(&n); err != nil || n > 0 {
		return err
	}
	for _, s := range seed {
		if _, err := db.Exec(`INSERT INTO notes(topic, text) VALUES (?, ?)`, s.topic, s.text); err != nil {
			return err
		}
	}
	return nil
}

func report(db *sql.DB, w io.Writer) error {
	rows, err := db.Query(`SELECT topic, count(*), group_concat(text, '; ') FROM notes
		GROUP BY topic ORDER BY topic`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var topic, texts string
		var n int
		if err := rows.Scan(&topic, &n, &texts); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s (%d): %s\n", topic, n, texts)
	}
	return rows.Err()
}

// modules prints the module versions linked into the binary.
func modules(w io.Writer) {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			fmt.Fprintf(w, "%s %s\n", m.Path, m.Version)
		}
	}
}

func main() {
	showModules := flag.Bool("modules", false, "print the linked module versions and exit")
	flag.Parse()
	if *showModules {
		modules(os.Stdout)
		return
	}
	db, err := open(dbPath)
	if err != nil {
		log.Fatalf("open %s: %v", dbPath, err)
	}
	defer db.Close()
	if err := seedIfEmpty(db); err != nil {
		log.Fatal(err)
	}
	if err := report(db, os.Stdout); err != nil {
		log.Fatal(err)
	}
}
