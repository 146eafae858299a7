// Package polyshare holds the OpenAPI description of Polytomic's
// connection-sharing API (openapi.yaml) and the go:generate lines that turn it
// into the packages under generated/.
//
// Applications import github.com/polyshare/polyshare/wrapper; tests import
// github.com/polyshare/polyshare/fake.
package polyshare

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen.yaml openapi.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config oapi-codegen.spec.yaml openapi.yaml
