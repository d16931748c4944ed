# syntax=docker/dockerfile:1
#
# huixiang API server image (also carries the fake WeChat API, /wxfake, for end-to-end setups).
#
#   docker build -t huixiang .
#   docker run --rm -p 8080:8080 -e HX_MYSQL_DSN=... -e HX_REDIS_ADDR=... -e HX_PII_KEY=... huixiang
#
# Configuration comes from HX_* environment variables (see configs/config.example.yaml). To use
# a file instead, mount it and point the server at it:
#   -v "$PWD/config.yaml:/etc/huixiang/config.yaml:ro" -e HX_CONFIG_FILE=/etc/huixiang/config.yaml
# Maintenance subcommands run the same binary: docker run --rm ... huixiang <subcommand> ...
#
# go.mod asks for go 1.26.8 and the official golang images set GOTOOLCHAIN=local, so the builder
# must be at least that: pull a fresh 1.26 image, or pin it with --build-arg GO_VERSION=1.26.8.

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src

# Modules first, so that source changes don't download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
ARG TARGETOS
ARG TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags='-s -w' -o /out/ ./cmd/server ./cmd/wxfake

# Static, non-root, with CA certificates and tzdata; no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /server
COPY --from=build /out/wxfake /wxfake
# 65532 is the image's "nonroot" user; numeric so that Kubernetes' runAsNonRoot can check it.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/server"]
