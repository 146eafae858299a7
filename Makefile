# Each target is one command a reader could type by hand.
GO ?= go

.PHONY: all generate check-generated lint test demo

all: check-generated lint test

## generate: regenerate generated/ from openapi.yaml (oapi-codegen, pinned in go.mod)
generate:
	$(GO) generate ./...

## check-generated: regenerate in place and fail if generated/ drifted from openapi.yaml
check-generated: generate
	git diff --exit-code -- generated
	@test -z "$$(git status --porcelain -- generated)" || { echo "untracked files in generated/:"; git status --porcelain -- generated; exit 1; }

## lint: go vet and a gofmt check
lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt would change:"; gofmt -l .; exit 1; }

## test: the whole Go test suite, with the race detector
test:
	$(GO) test -race ./...

## demo: share and list a connection through an in-process fake
demo:
	$(GO) run ./cmd/polyshare demo
