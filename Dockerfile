# syntax=docker/dockerfile:1
# restage's own image, written the way restage writes a Rust rewrite: deps (the registry fetched
# once, cached), build, test (`docker build --target test .`) and a small runtime.
#
# The runtime is distroless/static, non-root (the image's own nonroot user, 65532): the binary is
# linked statically. Debian's Rust (the toolchain of the rust stand-in the end-to-end suite builds
# with) ships no musl target and nothing can install one offline, so the binary is glibc linked
# statically (crt-static for the host target); restage makes no network or user lookups, which
# are what a static glibc cannot do.
#
#   docker build -t restage .
#   docker run --rm -v "$PWD":/src restage .                     # the diff for every Dockerfile here
#   docker run --rm -u "$(id -u)" -v "$PWD":/src restage --write Dockerfile
FROM rust:1.96 AS deps
WORKDIR /usr/src/restage
COPY Cargo.toml Cargo.lock ./
# cargo reads every target the manifest names: empty stand-ins let it fetch before the sources come
RUN --mount=type=cache,target=/usr/local/cargo/git/db --mount=type=cache,target=/usr/local/cargo/registry \
    mkdir -p src benches tests/it \
    && touch src/lib.rs src/main.rs benches/pipeline.rs benches/process.rs tests/it/main.rs \
    && cargo fetch --locked \
    && rm -rf src benches tests

FROM deps AS build
# Only the binary, without the line tables Cargo.toml keeps for local profiling: a smaller image
# and less to compile and link. The end-to-end suite passes CARGO_PROFILE_RELEASE_OPT_LEVEL=0 to
# check this Dockerfile in minutes; the image people build keeps the release default, 3.
ARG CARGO_PROFILE_RELEASE_OPT_LEVEL=3
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/git/db --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/src/restage/target \
    host="$(rustc -vV | sed -n 's/^host: //p')" \
    && CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=symbols \
       RUSTFLAGS='-C target-feature=+crt-static' \
       cargo build --release --locked --bin restage --target "$host" \
    && mkdir -p /out && cp "target/$host/release/restage" /out/restage

FROM build AS test
# the library's own tests (the integration suite needs the Python oracles of tests/requirements.txt)
RUN --mount=type=cache,target=/usr/local/cargo/git/db --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/src/restage/target \
    cargo test --release --locked --lib

FROM gcr.io/distroless/static-debian12:nonroot AS runtime
COPY --from=build /out/restage /usr/local/bin/restage
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/restage"]
