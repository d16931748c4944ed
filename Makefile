# The two commands of the README: `make run` and `make test`. Both bring up MariaDB and Redis
# first (scripts/services.sh installs or starts them when needed).
.PHONY: run test services build bench lint screenshots

run:
	scripts/run.sh

test:
	scripts/test.sh

services:
	scripts/services.sh

build:
	CGO_ENABLED=0 go build -trimpath -o bin/server ./cmd/server
	CGO_ENABLED=0 go build -trimpath -o bin/wxfake ./cmd/wxfake

bench:
	scripts/bench.sh

lint:
	go tool golangci-lint run ./...

# A PNG of every console page with the demo data, as the district administrator and as a township
# clerk, in var/screenshots/ (the README shows them).
screenshots:
	scripts/screenshots.sh
