// pantry: a small chi service that lists what is in the pantry. Its settings come from
// config.yaml, read once at start, and its pages from templates/, parsed at start.
package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"os"
	"sort"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"gopkg.in/yaml.v3"
)

// Config is config.yaml.
type Config struct {
	Title string         `yaml:"title"`
	Port  int            `yaml:"port"`
	Items map[string]int `yaml:"items"`
}

func loadConfig(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if c.Port == 0 {
		c.Port = 8080
	}
	return c, nil
}

type item struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func sortedItems(c Config, filter string) []item {
	out := []item{}
	for name, n := range c.Items {
		if filter == "" || strings.Contains(name, filter) {
			out = append(out, item{name, n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func newRouter(c Config, pages *template.Template) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Get("/", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		data := struct {
			Title string
			Items []item
		}{c.Title, sortedItems(c, req.URL.Query().Get("q"))}
		if err := pages.ExecuteTemplate(w, "index.html", data); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	r.Get("/items/{name}", func(w http.ResponseWriter, req *http.Request) {
		name := chi.URLParam(req, "name")
		n, ok := c.Items[name]
		if !ok {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(item{name, n})
	})
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	return r
}

func main() {
	c, err := loadConfig("config.yaml")
	if err != nil {
		log.Fatalf("config: %v", err)
	}
	pages, err := template.ParseGlob("templates/*.html")
	if err != nil {
		log.Fatalf("templates: %v", err)
	}
	addr := fmt.Sprintf(":%d", c.Port)
	log.Printf("%s listening on %s", c.Title, addr)
	log.Fatal(http.ListenAndServe(addr, newRouter(c, pages)))
}
