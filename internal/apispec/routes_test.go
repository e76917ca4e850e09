package apispec_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// notYetRouted lists documented operations the program does not serve
// yet. The document keeps them because they are part of the contract; the
// test tolerates their absence from the mux only while they are listed
// here, and fails once one of them is served, so the list only shrinks.
// Empty it as the routes land.
var notYetRouted = map[string]bool{
	// "POST /api/3/example": true,
}

// inScope reports whether a route belongs to the documented API surface:
// /api/3, /oauth, the OAuth metadata, the mobile pass activation page,
// stored photos and the health checks. The landing page, /metrics, the
// demo callback and legacy /api/2 are not part of it.
func inScope(path string) bool {
	return strings.HasPrefix(path, "/api/3/") || strings.HasPrefix(path, "/oauth/") ||
		strings.HasPrefix(path, "/mobile/") || strings.HasPrefix(path, "/media/") ||
		strings.HasPrefix(path, "/.well-known/") || path == "/healthz" || path == "/readyz"
}

var patternRE = regexp.MustCompile(`^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (/\S*)$`)

// registeredRoutes reads the route patterns ("METHOD /path") that the
// packages under internal/ pass to mux.Handle and mux.HandleFunc as
// string literals. Patterns without a method (catch-alls) and patterns
// built at run time are not seen; the live probe in
// TestEveryRouteIsDocumented covers the documented side of those.
func registeredRoutes(t *testing.T) map[string]string {
	t.Helper()
	routes := map[string]string{}
	fset := token.NewFileSet()
	// Every package under internal/ may register routes (the API, OAuth,
	// the app wiring, and any later surface such as a gateway).
	files, err := filepath.Glob(filepath.Join("..", "*", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files under internal/: %v", err)
	}
	{
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			file, err := parser.ParseFile(fset, f, src, 0)
			if err != nil {
				t.Fatalf("parse %s: %v", f, err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) == 0 {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
					return true
				}
				lit, ok := call.Args[0].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				if m := patternRE.FindStringSubmatch(s); m != nil && inScope(m[2]) {
					routes[s] = fset.Position(lit.Pos()).String()
				}
				return true
			})
		}
	}
	return routes
}

// documentedRoutes returns "METHOD /path" for every operation of the
// document.
func documentedRoutes(t *testing.T) []string {
	t.Helper()
	var out []string
	for path, item := range load(t).Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

// concrete fills a path template's parameters with 1.
func concrete(path string) string {
	return regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "1")
}

// TestEveryRouteIsDocumented compares the routes the program registers
// with the document's operations, both ways, and then asks the running
// program: every documented operation must reach a handler (no 404 or 405
// from the mux), and every /api/3 operation but the document itself must
// demand a token.
func TestEveryRouteIsDocumented(t *testing.T) {
	registered := registeredRoutes(t)
	if n := len(registered); n < 50 {
		t.Fatalf("found only %d route patterns in the source; has route registration moved?", n)
	}
	documented := map[string]bool{}
	for _, r := range documentedRoutes(t) {
		documented[r] = true
	}
	for r, where := range registered {
		if !documented[r] {
			t.Errorf("%s (registered at %s) is not in openapi.yaml", r, where)
		}
	}
	for r := range documented {
		_, served := registered[r]
		switch {
		case served && notYetRouted[r]:
			t.Errorf("%s is served now: remove it from notYetRouted", r)
		case !served && !notYetRouted[r]:
			t.Errorf("%s is documented but no route serves it", r)
		}
	}
	for r := range notYetRouted {
		if !documented[r] {
			t.Errorf("notYetRouted names %s, which openapi.yaml does not document", r)
		}
	}

	eachBackend(t, func(t *testing.T, s *server) {
		for r := range documented {
			if notYetRouted[r] {
				continue
			}
			method, path, _ := strings.Cut(r, " ")
			body := ""
			if method == http.MethodPost || method == http.MethodPut {
				body = "{}"
			}
			x := s.do(t, method, concrete(path), body, "")
			if x.status == http.StatusNotFound || x.status == http.StatusMethodNotAllowed {
				t.Errorf("%s: the running server answers %d: %s", r, x.status, x.body)
				continue
			}
			if strings.HasPrefix(path, "/api/3/") && path != "/api/3/openapi.json" && x.status != http.StatusUnauthorized {
				t.Errorf("%s without a token: status %d, want 401", r, x.status)
			}
		}
	})
}
