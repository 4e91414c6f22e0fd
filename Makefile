# Paydesk's two everyday commands. Each installs whatever this machine is
# missing first (see .ci/tools.sh), and skips what is already there.
.PHONY: run test
run:
	@bash .ci/run-app.sh
test:
	@bash .ci/test.sh
