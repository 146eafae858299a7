# Each target is one command a reader could type by hand.
GO ?= go

.PHONY: all generate check-generated lint test fuzz contract demo bench bench-client bench-footprint bench-throughput

all: check-generated lint test

## generate: regenerate generated/ from openapi.yaml (oapi-codegen, pinned in go.mod)
generate:
	$(GO) generate ./...

## check-generated: regenerate in place and fail if generated/ drifted from openapi.yaml
check-generated: generate
	git diff --exit-code -- generated
	@test -z "$$(git status --porcelain -- generated)" || { echo "untracked files in generated/:"; git status --porcelain -- generated; exit 1; }

## lint: go vet, a gofmt check, and golangci-lint (pinned in tools/go.mod; config in .golangci.yml)
lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
	$(GO) tool -modfile=tools/go.mod golangci-lint run ./...

## test: the whole Go test suite, with the race detector
test:
	$(GO) test -race ./...

## fuzz: both fuzz tests beyond their seed corpora (make test runs only the seeds): the fake's request
## handling and the client's response decoding, FUZZTIME each (FUZZTIME=10m for longer)
FUZZTIME ?= 2m
fuzz:
	$(GO) test ./fake -run '^$$' -fuzz FuzzServeHTTP -fuzztime $(FUZZTIME)
	$(GO) test ./wrapper -run '^$$' -fuzz FuzzResponseDecoding -fuzztime $(FUZZTIME)

## contract: spec lint (Spectral, Redocly), then the wrapper against Prism's mock and the conformance
## scenario through Prism's proxy in front of the fake (needs Node and npm; tools pinned in contract/)
contract:
	bash contract/lint.sh
	bash contract/prism.sh

## demo: share and list a connection through an in-process fake
demo:
	$(GO) run ./cmd/polyshare demo

## bench: every benchmark table with ratios (code in bench/, its own module; results in BENCHMARKS.md)
bench: bench-client bench-footprint bench-throughput

## bench-client: per-call cost of share and list: raw net/http, generated, wrapper, ogen; and the share handlers in process
bench-client:
	cd bench && $(GO) test -run '^$$' -bench . -benchtime 5000x -count 6 ./client ./server | $(GO) run ./cmd/benchtable

## bench-footprint: binary size of a wrapper-only program vs raw net/http, and proof kin-openapi and the fake are not linked
bench-footprint:
	cd bench && $(GO) run ./cmd/footprint

## bench-throughput: share requests/s on 127.0.0.1: raw handler, fake without and with validation, Prism (needs npm ci --prefix contract)
bench-throughput:
	cd bench && $(GO) run ./cmd/throughput
