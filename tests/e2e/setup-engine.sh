#!/usr/bin/env bash
# Sets up a daemonless OCI engine for the end-to-end suite, idempotently:
#   buildah (builds) + podman (runs) + runc, from Debian's packages;
#   a private container storage under $E2E_CACHE (so it never touches the machine's own
#   /etc/containers config or images, and so CI can cache the folder between runs);
#   debian:bookworm-slim imported from a debootstrap rootfs built against the host's own mirror
#   (the rootfs tarball is cached under $E2E_CACHE/base, keyed by suite and mirror).
# Source it (it exports CONTAINERS_STORAGE_CONF / CONTAINERS_CONF) or run it. Needs root.
# Every failure is loud: set -e and a message naming the step.
set -euo pipefail

E2E_CACHE=${E2E_CACHE:-/var/cache/restage-e2e}
E2E_DRIVER=${E2E_DRIVER:-overlay}
SUITE=${E2E_SUITE:-bookworm}

e2e_die() { echo "e2e setup: FAILED: $*" >&2; exit 1; }
e2e_log() { echo "e2e setup: $*" >&2; }

[ "$(id -u)" = 0 ] || e2e_die "must run as root (buildah/podman with chroot isolation and debootstrap need it)"
mkdir -p "$E2E_CACHE/base" "$E2E_CACHE/conf" "$E2E_CACHE/storage" || e2e_die "cannot create $E2E_CACHE"

# 1. engine packages -----------------------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -o DPkg::Lock::Timeout=600 -y -q"
PKGS="buildah podman runc fuse-overlayfs slirp4netns uidmap debootstrap curl python3"
missing=""
for bin in buildah podman runc debootstrap curl python3; do
  command -v "$bin" >/dev/null 2>&1 || missing="$missing $bin"
done
if [ -n "$missing" ]; then
  command -v apt-get >/dev/null || e2e_die "missing$missing and no apt-get to install them (Debian/Ubuntu host needed)"
  e2e_log "installing engine packages (missing:$missing)"
  $APT update -qq || e2e_die "apt-get update"
  # retried once: a transient "dpkg-deb: failed to read archive" was seen on these machines
  $APT install $PKGS || $APT install $PKGS || e2e_die "apt-get install $PKGS"
fi

# 2. private storage + engine config ---------------------------------------------------------------
# The run root (mount bookkeeping, locks) is the cache's own: two runs with different caches
# that shared one saw each other's mounts come and go, so an image mount read as another state
# of the file system ("USER node is not in its /etc/passwd" on an image that has it).
runroot="/run/restage-e2e/$(printf '%s' "$E2E_CACHE" | cksum | cut -d' ' -f1)"
cat > "$E2E_CACHE/conf/storage.conf" <<EOF
[storage]
driver = "$E2E_DRIVER"
runroot = "$runroot/storage"
graphroot = "$E2E_CACHE/storage/$E2E_DRIVER"
EOF
cat > "$E2E_CACHE/conf/containers.conf" <<'EOF'
[containers]
# the default nofile=1048576 cannot be set without CAP_SYS_RESOURCE on some hosts
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
# crun 1.8 rejects hybrid cgroup hosts ("cgroups in hybrid mode not supported"); runc works
runtime = "runc"
EOF
export CONTAINERS_STORAGE_CONF="$E2E_CACHE/conf/storage.conf"
export CONTAINERS_CONF="$E2E_CACHE/conf/containers.conf"
export BUILDAH_ISOLATION=chroot

buildah info >/dev/null 2>&1 || e2e_die "buildah cannot open its storage ($CONTAINERS_STORAGE_CONF): $(buildah info 2>&1 | tail -1)"

# 3. debian:bookworm-slim from debootstrap ------------------------------------------------------------
sources=$(ls /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 || true)
MIRROR=${E2E_MIRROR:-}
if [ -z "$MIRROR" ] && [ -n "$sources" ]; then
  MIRROR=$(awk '/^URIs:/{print $2; exit}' "$sources")
fi
if [ -z "$MIRROR" ] && [ -f /etc/apt/sources.list ]; then
  MIRROR=$(awk '$1=="deb"{for(i=2;i<=NF;i++) if($i ~ /^https?:/){print $i; exit}}' /etc/apt/sources.list)
fi
[ -n "$MIRROR" ] || e2e_die "cannot find the host's Debian mirror in /etc/apt/sources.list.d/*.sources or sources.list"

# what goes into the rootfs beyond debootstrap: host TLS trust and package-manager configs
host_cfg_hash=$( { cat /etc/ssl/certs/ca-certificates.crt /etc/pip.conf /etc/npmrc 2>/dev/null || true; \
                   echo "$MIRROR $SUITE v2"; } | sha256sum | cut -c1-16)
ROOTFS_TAR="$E2E_CACHE/base/rootfs-$SUITE-$host_cfg_hash.tar"
BASE_TAG=localhost/debian:bookworm-slim
base_label=$(buildah inspect --type image --format '{{index .OCIv1.Config.Labels "restage.e2e.rootfs"}}' "$BASE_TAG" 2>/dev/null || true)

if [ "$base_label" != "$host_cfg_hash" ]; then
  if [ ! -s "$ROOTFS_TAR" ]; then
    ROOTFS="$E2E_CACHE/base/rootfs"
    rm -rf "$ROOTFS"
    e2e_log "debootstrap --variant=minbase $SUITE from $MIRROR (30-60 s)"
    debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$E2E_CACHE/base/debootstrap.log" 2>&1 \
      || e2e_die "debootstrap (log: $E2E_CACHE/base/debootstrap.log): $(tail -3 "$E2E_CACHE/base/debootstrap.log")"
    (
      cd "$ROOTFS"
      rm -f var/cache/apt/archives/*.deb var/cache/apt/*.bin
      rm -rf var/lib/apt/lists/*; mkdir -p var/lib/apt/lists/partial
      # the same trimming as the official debian:*-slim images
      cat > etc/dpkg/dpkg.cfg.d/docker <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
      find usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
      find usr/share/doc -mindepth 1 -type d -empty -delete
      rm -rf usr/share/groff/* usr/share/info/* usr/share/linda/* usr/share/lintian/* \
             usr/share/locale/* usr/share/man/*
      cat > etc/apt/apt.conf.d/docker-clean <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
      echo 'Acquire::Languages "none";' > etc/apt/apt.conf.d/docker-no-languages
      echo 'Acquire::GzipIndexes "true";' > etc/apt/apt.conf.d/docker-gzip-indexes
      echo 'Apt::AutoRemove::SuggestsImportant "false";' > etc/apt/apt.conf.d/docker-autoremove-suggests
      # the host's apt sources (suite, -updates, -security on the host's mirror)
      if [ -n "$sources" ]; then
        rm -f etc/apt/sources.list
        for s in /etc/apt/sources.list.d/*.sources; do
          grep -q "debian" "$s" && cp "$s" etc/apt/sources.list.d/ || true
        done
      fi
      # host TLS trust and pip/npm config, so pip/npm/cargo inside RUN reach the host's indexes
      mkdir -p usr/local/share/ca-certificates etc/ssl/certs
      cp /usr/local/share/ca-certificates/*.crt usr/local/share/ca-certificates/ 2>/dev/null || true
      cp /etc/ssl/certs/ca-certificates.crt etc/ssl/certs/ca-certificates.crt
      if [ -f /etc/pip.conf ]; then cp /etc/pip.conf etc/pip.conf; fi
      if [ -f /etc/npmrc ]; then cp /etc/npmrc etc/npmrc; fi
      rm -rf dev/* run/* tmp/* var/log/apt/*; mkdir -p run/lock; chmod 1777 run/lock tmp
      : > etc/resolv.conf; echo localhost > etc/hostname
    )
    tar --numeric-owner --xattrs -C "$ROOTFS" -cf "$ROOTFS_TAR.part" . || e2e_die "tar of the rootfs"
    mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
    rm -rf "$ROOTFS"
  else
    e2e_log "reusing cached rootfs $ROOTFS_TAR"
  fi
  ctx=$(mktemp -d)
  ln "$ROOTFS_TAR" "$ctx/rootfs.tar" 2>/dev/null || cp "$ROOTFS_TAR" "$ctx/rootfs.tar"
  cat > "$ctx/Dockerfile" <<EOF
FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL restage.e2e.rootfs=$host_cfg_hash
CMD ["bash"]
EOF
  buildah bud --isolation chroot --pull=never -t "$BASE_TAG" "$ctx" >"$E2E_CACHE/base/import.log" 2>&1 \
    || e2e_die "importing the rootfs as $BASE_TAG: $(tail -3 "$E2E_CACHE/base/import.log")"
  rm -rf "$ctx"
fi
buildah tag "$BASE_TAG" docker.io/library/debian:bookworm-slim docker.io/library/debian:bookworm \
  docker.io/library/debian:12-slim docker.io/library/debian:12 || e2e_die "tagging $BASE_TAG"

# 4. a smoke test: the engine can run a container ----------------------------------------------------
out=$(podman run --rm --pull=never "$BASE_TAG" cat /etc/debian_version 2>&1) \
  || e2e_die "podman cannot run a container: $out"
e2e_log "engine ready (driver $E2E_DRIVER, debian $out, storage $E2E_CACHE/storage)"
