package apispec

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"

	"github.com/oasdiff/yaml"
)

// source is the document as maintained: YAML, so that it can be read and
// edited by people.
//
//go:embed openapi.yaml
var source []byte

// document and etag are computed once, when the package is initialised.
var document, etag = mustJSON(source)

// mustJSON converts the embedded YAML to JSON and returns it with its
// strong entity tag. It panics only if the embedded file is not YAML,
// which the package tests rule out before a build can ship.
func mustJSON(y []byte) ([]byte, string) {
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		panic(fmt.Sprintf("apispec: embedded openapi.yaml is not valid YAML: %v", err))
	}
	sum := sha256.Sum256(j)
	return j, `"` + hex.EncodeToString(sum[:16]) + `"`
}

// Document returns the OpenAPI document as JSON. Every call returns a new
// copy, so callers may modify it.
func Document() []byte {
	return append([]byte(nil), document...)
}

// ETag returns the strong entity tag Handler sends with the document,
// quotes included. It changes whenever the document does.
func ETag() string { return etag }
