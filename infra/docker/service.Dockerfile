# syntax=docker/dockerfile:1
# One Dockerfile for every Go image (auth, tickets, orders, expiration, payments, client).
# Build context: the repository root, so ../common is visible:
#   docker build --file infra/docker/service.Dockerfile --build-arg SERVICE=auth .
# skaffold.yaml passes SERVICE per artifact (buildArgs), the deploy workflows with --build-arg.

FROM golang:1.26 AS build
ARG SERVICE
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<auth|tickets|orders|expiration|payments|client>" >&2; exit 1; }
WORKDIR /src
# Module files first: the download layer is reused until a go.mod or go.sum changes.
COPY common/go.mod common/go.sum* common/
COPY ${SERVICE}/go.mod ${SERVICE}/go.sum* ${SERVICE}/
WORKDIR /src/${SERVICE}
RUN --mount=type=cache,target=/go/pkg/mod \
    GOWORK=off go mod download
COPY common/ /src/common/
COPY ${SERVICE}/ /src/${SERVICE}/
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOWORK=off CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/service ./cmd/${SERVICE}

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/service /service
EXPOSE 3000
USER nonroot:nonroot
ENTRYPOINT ["/service"]
