package apispec_test

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/lintel-dev/lintel/internal/apispec"
	"github.com/lintel-dev/lintel/internal/domain"
)

// load parses the served JSON document with kin-openapi.
func load(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(apispec.Document())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return doc
}

func TestDocumentIsValidOpenAPI31(t *testing.T) {
	doc := load(t)
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate: %v", err)
	}
}

// TestDocumentConventions holds the document to rules kin-openapi does not
// check: unique operationIds, a summary, declared tags, security naming
// only declared schemes and scopes, and OAuth scopes that are exactly
// Lintel's scope catalogue.
func TestDocumentConventions(t *testing.T) {
	doc := load(t)
	tags := map[string]bool{}
	for _, tag := range doc.Tags {
		tags[tag.Name] = true
	}
	flows := doc.Components.SecuritySchemes["OAuth2"].Value.Flows.AuthorizationCode
	declared := flows.Scopes
	for _, sc := range domain.Scopes {
		if _, ok := declared[sc.Name]; !ok {
			t.Errorf("scope %s is not declared in the OAuth2 security scheme", sc.Name)
		}
	}
	if len(declared) != len(domain.Scopes) {
		t.Errorf("the document declares %d scopes, Lintel has %d", len(declared), len(domain.Scopes))
	}
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			what := method + " " + path
			if prev, dup := ids[op.OperationID]; dup || op.OperationID == "" {
				t.Errorf("%s: operationId %q missing or also used by %s", what, op.OperationID, prev)
			}
			ids[op.OperationID] = what
			if op.Summary == "" || len(op.Tags) == 0 {
				t.Errorf("%s: needs a summary and a tag", what)
			}
			for _, tag := range op.Tags {
				if !tags[tag] {
					t.Errorf("%s: tag %q is not declared", what, tag)
				}
			}
			if op.Security == nil {
				t.Errorf("%s: say which security applies (an empty list for none)", what)
				continue
			}
			for _, req := range *op.Security {
				for scheme, scopes := range req {
					if doc.Components.SecuritySchemes[scheme] == nil {
						t.Errorf("%s: unknown security scheme %s", what, scheme)
					}
					for _, sc := range scopes {
						if _, ok := declared[sc]; !ok {
							t.Errorf("%s: scope %s is not declared", what, sc)
						}
					}
				}
			}
			if strings.HasPrefix(path, "/api/3/") && path != "/api/3/openapi.json" && len(*op.Security) == 0 {
				t.Errorf("%s: /api/3 operations need a token", what)
			}
		}
	}
}

// TestValidationCanFail makes sure the structural check rejects a broken
// document, so that a passing TestDocumentIsValidOpenAPI31 means something.
func TestValidationCanFail(t *testing.T) {
	broken := strings.Replace(string(apispec.Document()), `"$ref":"#/components/schemas/Person"`, `"$ref":"#/components/schemas/Nobody"`, 1)
	if broken == string(apispec.Document()) {
		t.Fatal("the document no longer refers to the Person schema; pick another reference to break")
	}
	if doc, err := openapi3.NewLoader().LoadFromData([]byte(broken)); err == nil {
		if err := doc.Validate(context.Background()); err == nil {
			t.Error("a reference to a missing schema passed validation")
		}
	}
}
