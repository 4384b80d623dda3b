# syntax=docker/dockerfile:1
# One build of the workspace, three small images (distroless, non-root, no shell, no build tools):
#
#   docker build --target ingest-api -t dis-sync/ingest-api .
#   docker build --target worker     -t dis-sync/worker .
#   docker build --target extractor  -t dis-sync/extractor .
#
# The three targets share the `builder` stage, so building them one after the other compiles the
# workspace once. Dependencies are compiled in a layer of their own (cargo-chef): it is rebuilt
# only when Cargo.toml or Cargo.lock change, not when the code does.

# ---- toolchain + cargo-chef ------------------------------------------------------------------
FROM rust:1.95-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

# ---- the dependency recipe: the workspace's manifests and lock file, nothing else ------------
FROM chef AS planner
# The whole workspace (see .dockerignore): members may be added without touching this file.
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# ---- the dependencies, compiled: this layer changes only with the recipe -------------------
FROM chef AS deps
COPY --from=planner /src/recipe.json recipe.json
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    cargo chef cook --release --locked --recipe-path recipe.json \
        -p ingest-api -p worker -p extractor

# ---- the workspace, once, for the three binaries ------------------------------------------
FROM deps AS builder
COPY . .
# migrations/ is embedded into the binaries at compile time (sqlx::migrate!).
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    cargo build --release --locked -p ingest-api -p worker -p extractor \
    && mkdir -p /out/state \
    && cp target/release/ingest-api target/release/worker target/release/extractor /out/

# ---- runtime images ---------------------------------------------------------------------------
# glibc + libgcc + CA certificates, the user nonroot (uid 65532, numeric so Kubernetes can check
# runAsNonRoot); TLS is rustls, so no OpenSSL is needed.

FROM gcr.io/distroless/cc-debian12:nonroot AS ingest-api
COPY --from=builder /out/ingest-api /usr/local/bin/ingest-api
ENV DIS_LISTEN=0.0.0.0:4100 \
    DIS_METRICS_LISTEN=0.0.0.0:9100 \
    DIS_LOG_FORMAT=json
USER 65532:65532
EXPOSE 4100 9100
# No curl in distroless: the binary asks its own /healthz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
    CMD ["/usr/local/bin/ingest-api", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/ingest-api"]
CMD ["serve"]

FROM gcr.io/distroless/cc-debian12:nonroot AS worker
COPY --from=builder /out/worker /usr/local/bin/worker
ENV DIS_METRICS_LISTEN=0.0.0.0:9100 \
    DIS_LOG_FORMAT=json
USER 65532:65532
EXPOSE 9100
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
    CMD ["/usr/local/bin/worker", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/worker"]
CMD ["run"]

# The extractor serves no HTTP: a run is a batch job (its exit code is its health) and
# `extractor schedule` logs each tick. /var/lib/dis-sync holds the incremental watermarks and is
# owned by nonroot, so a volume mounted there is writable.
FROM gcr.io/distroless/cc-debian12:nonroot AS extractor
COPY --from=builder /out/extractor /usr/local/bin/extractor
COPY --from=builder --chown=65532:65532 /out/state /var/lib/dis-sync
ENV DIS_ERP_WATERMARKS_PATH=/var/lib/dis-sync/watermarks.json \
    DIS_LOG_FORMAT=json
USER 65532:65532
WORKDIR /var/lib/dis-sync
ENTRYPOINT ["/usr/local/bin/extractor"]
CMD ["--help"]
