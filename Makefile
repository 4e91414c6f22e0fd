# Paydesk's two everyday commands. Each installs whatever this machine is
# missing first (see .ci/tools.sh), and skips what is already there.
.PHONY: run release test bench fuzz
run:
	@bash .ci/run-app.sh
# The deployable build (release profile, optimised wasm), then served.
release:
	@MODE=release bash .ci/run-app.sh
test:
	@bash .ci/test.sh
# Withdrawal requests per second, service layer against a raw-SQL baseline,
# on SQLite and (with TEST_DATABASE_URL) PostgreSQL.
bench:
	@CARGO_BUILD_JOBS=$${CARGO_BUILD_JOBS:-2} cargo run --release -p server --bin bench
# The hostile-input run of the test suite, far longer (every server
# function and plain route, generated values, no 5xx allowed).
fuzz:
	@PAYDESK_FUZZ_CASES=$${PAYDESK_FUZZ_CASES:-20000} CARGO_BUILD_JOBS=$${CARGO_BUILD_JOBS:-2} \
		cargo test --profile ci -p server --test api hostile_fuzz -- --nocapture
