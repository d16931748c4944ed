# syntax=docker/dockerfile:1
#
# huixiang API server image (also carries the fake WeChat API, /wxfake, for end-to-end setups).
#
#   docker build -t huixiang .
#   docker run --rm -p 8080:8080 \
#     -e HX_MYSQL_DSN='huixiang:PASSWORD@tcp(db.internal:3306)/huixiang?parseTime=true&charset=utf8mb4&loc=UTC' \
#     -e HX_MYSQL_AUTO_MIGRATE=true \
#     -e HX_REDIS_ADDR=redis.internal:6379 \
#     -e HX_WECHAT_APPID=wx0123456789abcdef -e HX_WECHAT_SECRET=YOUR_APP_SECRET \
#     -e HX_PII_KEY=BASE64_OF_32_RANDOM_BYTES \
#     -e HX_ADMIN_BOOTSTRAP_PASSWORD=A-strong-first-password-1 \
#     -e HX_NOTIFY_PROGRESS_TEMPLATE_ID=YOUR_SUBSCRIBE_TEMPLATE_ID \
#     -v huixiang-uploads:/var/lib/huixiang/uploads \
#     huixiang
#
# Required: HX_MYSQL_DSN, HX_REDIS_ADDR (several comma-separated addresses for a Redis Cluster),
# HX_WECHAT_APPID, HX_WECHAT_SECRET and HX_PII_KEY (`openssl rand -base64 32` once, then kept
# with the database backups: without it the stored ID and phone numbers cannot be read).
# HX_ADMIN_BOOTSTRAP_PASSWORD creates staff `admin` on the first start; HX_NOTIFY_PROGRESS_TEMPLATE_ID
# is the real "申请进度通知" template (the default is the dev stand-in's). Without
# HX_MYSQL_AUTO_MIGRATE=true run `docker run ... huixiang migrate` before each new version.
# Uploaded attachments live in HX_UPLOAD_DIR=/var/lib/huixiang/uploads, a volume: keep it (and
# share it between replicas) or the files are lost with the container. A bind mount instead of a
# named volume must be writable by uid 65532.
#
# Configuration comes from HX_* environment variables (see configs/config.example.yaml). To use
# a file instead, mount it and point the server at it:
#   -v "$PWD/config.yaml:/etc/huixiang/config.yaml:ro" -e HX_CONFIG_FILE=/etc/huixiang/config.yaml
# Maintenance subcommands run the same binary: docker run --rm ... huixiang <subcommand> ...
#
# go.mod needs Go 1.26 and names go1.26.8 as its toolchain (the patch releases fix the standard
# library); the official golang images set GOTOOLCHAIN=local and build with their own version, so
# pull a fresh 1.26 image, or pin it with --build-arg GO_VERSION=1.26.8.

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
# The uploads directory, to be copied with the non-root owner (the runtime image has no shell).
RUN mkdir -p /out/uploads

# Static, non-root, with CA certificates and tzdata; no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /server
COPY --from=build /out/wxfake /wxfake
COPY --from=build --chown=65532:65532 /out/uploads /var/lib/huixiang/uploads
ENV HX_UPLOAD_DIR=/var/lib/huixiang/uploads
VOLUME /var/lib/huixiang/uploads
# 65532 is the image's "nonroot" user; numeric so that Kubernetes' runAsNonRoot can check it.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/server"]
