package apispec_test

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// referencePath is where the DoorFlow v3 contract is read from:
// $LINTEL_DOORFLOW_OPENAPI, or the shared reference beside the repository.
func referencePath() string {
	if p := os.Getenv("LINTEL_DOORFLOW_OPENAPI"); p != "" {
		return p
	}
	return filepath.Join("..", "..", "..", "shared", "reference", "doorflow-openapi.yaml")
}

// loadReference loads the DoorFlow contract, skipping the test when the
// file is absent.
func loadReference(t *testing.T) *openapi3.T {
	t.Helper()
	p := referencePath()
	if _, err := os.Stat(p); err != nil {
		t.Skipf("DoorFlow reference spec not found at %s (set LINTEL_DOORFLOW_OPENAPI)", p)
	}
	doc, err := openapi3.NewLoader().LoadFromFile(p)
	if err != nil {
		t.Fatalf("load reference: %v", err)
	}
	return doc
}

// statusCodes returns the explicit status codes of op, sorted; the
// "default" response is Lintel's catch-all for errors the contract does
// not list and is left out.
func statusCodes(op *openapi3.Operation) []string {
	var out []string
	for code := range op.Responses.Map() {
		if code != "default" {
			out = append(out, code)
		}
	}
	sort.Strings(out)
	return out
}

// TestCompatibleOperationsMatchDoorFlow checks, for every operation of the
// DoorFlow contract, that the document has the same path and method, the
// same operationId, the same parameters (name and place) and the same
// status codes, and that the OAuth scopes the contract names are required.
func TestCompatibleOperationsMatchDoorFlow(t *testing.T) {
	ref := loadReference(t)
	ours := load(t)
	n := 0
	for path, refItem := range ref.Paths.Map() {
		item := ours.Paths.Value(path)
		if item == nil {
			t.Errorf("%s is in the DoorFlow contract but not in openapi.yaml", path)
			continue
		}
		for method, refOp := range refItem.Operations() {
			n++
			what := method + " " + path
			op := item.GetOperation(method)
			if op == nil {
				t.Errorf("%s is in the DoorFlow contract but not in openapi.yaml", what)
				continue
			}
			if op.OperationID != refOp.OperationID {
				t.Errorf("%s: operationId %q, DoorFlow has %q", what, op.OperationID, refOp.OperationID)
			}
			if got, want := statusCodes(op), statusCodes(refOp); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s: status codes %v, DoorFlow has %v", what, got, want)
			}
			if got, want := paramKeys(op.Parameters), paramKeys(refOp.Parameters); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s: parameters %v, DoorFlow has %v", what, got, want)
			}
			if (op.RequestBody == nil) != (refOp.RequestBody == nil) {
				t.Errorf("%s: request body present = %v, DoorFlow: %v", what, op.RequestBody != nil, refOp.RequestBody != nil)
			}
			for _, scope := range oauthScopes(refOp.Security) {
				if !slices.Contains(oauthScopes(op.Security), scope) {
					t.Errorf("%s: DoorFlow requires scope %s, openapi.yaml does not name it", what, scope)
				}
			}
		}
	}
	if n != 46 {
		t.Errorf("the DoorFlow contract has %d operations, expected 46 (42 under /api/3 and 4 under /oauth)", n)
	}
}

// paramKeys returns "in:name" for each parameter, sorted.
func paramKeys(ps openapi3.Parameters) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Value.In+":"+p.Value.Name)
	}
	sort.Strings(out)
	return out
}

// oauthScopes returns every scope an OAuth2 requirement of sec names.
func oauthScopes(sec *openapi3.SecurityRequirements) []string {
	if sec == nil {
		return nil
	}
	var out []string
	for _, req := range *sec {
		out = append(out, req["OAuth2"]...)
	}
	return out
}

// TestSchemasMatchDoorFlow checks that every schema of the DoorFlow
// contract exists under the same name, with every property the contract
// lists, of the same type, and the same required properties. Lintel may
// add properties (and null, where the contract marks a field nullable)
// but never drops or retypes one.
func TestSchemasMatchDoorFlow(t *testing.T) {
	ref := loadReference(t)
	ours := load(t)
	for name, refSchema := range ref.Components.Schemas {
		s := ours.Components.Schemas[name]
		if s == nil {
			t.Errorf("schema %s is in the DoorFlow contract but not in openapi.yaml", name)
			continue
		}
		compareSchema(t, name, refSchema.Value, s.Value)
	}
}

// compareSchema walks ref and ours side by side through properties and
// array items.
func compareSchema(t *testing.T, where string, ref, ours *openapi3.Schema) {
	t.Helper()
	if ref == nil || ours == nil {
		return
	}
	for _, typ := range ref.Type.Slice() {
		if !ours.Type.Includes(typ) {
			t.Errorf("%s: type %v, DoorFlow has %v", where, ours.Type.Slice(), ref.Type.Slice())
		}
	}
	if ref.Nullable && !ours.Type.Includes("null") {
		t.Errorf("%s: DoorFlow allows null, openapi.yaml does not", where)
	}
	if a, b := slices.Sorted(slices.Values(ref.Required)), slices.Sorted(slices.Values(ours.Required)); !slices.Equal(a, b) {
		t.Errorf("%s: required %v, DoorFlow has %v", where, b, a)
	}
	for _, v := range ref.Enum {
		if !slices.Contains(ours.Enum, v) {
			t.Errorf("%s: enum lacks %v", where, v)
		}
	}
	for prop, rp := range ref.Properties {
		op := ours.Properties[prop]
		if op == nil {
			t.Errorf("%s.%s is in the DoorFlow contract but not in openapi.yaml", where, prop)
			continue
		}
		compareSchema(t, where+"."+prop, rp.Value, op.Value)
	}
	if ref.Items != nil && ours.Items != nil {
		compareSchema(t, where+"[]", ref.Items.Value, ours.Items.Value)
	}
}
