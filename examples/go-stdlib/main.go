// go-stdlib is a small net/http server that renders templates/ read at run time.
package main

import (
	"html/template"
	"log"
	"net/http"
	"os"
	"sort"
	"strings"
)

// Page is what the index template shows.
type Page struct {
	Title string
	Items []string
}

func newHandler(dir string) (http.Handler, error) {
	tmpl, err := template.ParseGlob(dir + "/*.html")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		items := strings.Fields("tea coffee water juice")
		if q := r.URL.Query().Get("add"); q != "" {
			items = append(items, q)
		}
		sort.Strings(items)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := tmpl.ExecuteTemplate(w, "index.html", Page{Title: "Drinks", Items: items}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	return mux, nil
}

func main() {
	h, err := newHandler("templates")
	if err != nil {
		log.Fatalf("loading templates: %v", err)
	}
	addr := ":" + envOr("PORT", "8080")
	log.Printf("listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, h))
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
