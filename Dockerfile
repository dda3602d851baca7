# expire-bot container image: build with Rust, run on a minimal glibc image as non-root.
#
#   docker build -t expire-bot .
#   docker run --env-file bot.env -p 3000:3000 expire-bot
#
# The binary needs nothing at run time but glibc and CA certificates (TLS is rustls;
# PostgreSQL and SQLite drivers and the migrations are compiled in); CI proves it with
# scripts/check-binary-deps.sh. distroless/cc has exactly glibc, libgcc, CA certificates
# and a `nonroot` user, and no shell or curl, so the HEALTHCHECK uses the bot's own
# `healthcheck` subcommand.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# The cache mounts keep the crate registry and compiled dependencies between builds.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin expire-bot \
    && cp target/release/expire-bot /usr/local/bin/expire-bot

# Debian 12 (bookworm) like the builder, so the glibc the binary was linked against is there.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /usr/local/bin/expire-bot /usr/local/bin/expire-bot
# Listen on all interfaces inside the container; logs as JSON lines on stderr.
ENV BIND_ADDR=0.0.0.0:3000 \
    LOG_FORMAT=json
EXPOSE 3000
# uid/gid 65532; its home is the only writable place (the embedded demo database lands there).
USER nonroot:nonroot
WORKDIR /home/nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/expire-bot", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/expire-bot"]
CMD ["serve"]
